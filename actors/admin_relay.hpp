// Passing an admin request on to the actor that can answer it.

#pragma once

#include <chrono>
#include <utility>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>

namespace camfleet {

/// How long an actor waits for the next one down when answering the admin
/// interface. Camera actors never block (their workers do), so this is only
/// reached when an actor is gone or restarting.
constexpr std::chrono::milliseconds admin_relay_timeout{2000};

/// How long a viewer's lease request may wait down the chain: a camera whose
/// capture is cut short for the viewer answers once that capture's session
/// is torn down, which takes up to its teardown budget.
constexpr std::chrono::milliseconds lease_relay_timeout{15000};

/// Sends `xs...` to `dest` and answers the current request with its reply of
/// type T, or with its error, or with a timeout error after `timeout`.
template <class T, class Self, class... Ts>
caf::result<T> relay_within(Self* self, std::chrono::milliseconds timeout, const caf::actor& dest,
                            Ts&&... xs) {
  auto promise = self->template make_response_promise<T>();
  self->request(dest, timeout, std::forward<Ts>(xs)...)
      .then([promise](T& answer) mutable { promise.deliver(std::move(answer)); },
            [promise](caf::error& error) mutable { promise.deliver(std::move(error)); });
  return promise;
}

/// relay_within the admin relay timeout.
template <class T, class Self, class... Ts>
caf::result<T> relay(Self* self, const caf::actor& dest, Ts&&... xs) {
  return relay_within<T>(self, admin_relay_timeout, dest, std::forward<Ts>(xs)...);
}

} // namespace camfleet
