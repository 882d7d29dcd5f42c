// Passing an admin request on to the actor that can answer it.

#pragma once

#include "messages/admin_messages.hpp"

#include <chrono>
#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

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
/// type T, or with its error. Its own timeout after `timeout` is answered as
/// `unavailable`, never as CAF's request_timeout: the admin interface takes
/// that one for a question the root itself left unanswered
/// (fleet/unanswered_questions).
template <class T, class Self, class... Ts>
caf::result<T> relay_within(Self* self, std::chrono::milliseconds timeout, const caf::actor& dest,
                            Ts&&... xs) {
  auto promise = self->template make_response_promise<T>();
  self->request(dest, timeout, std::forward<Ts>(xs)...)
      .then([promise](T& answer) mutable { promise.deliver(std::move(answer)); },
            [promise, timeout](caf::error& error) mutable {
              if (error == caf::sec::request_timeout)
                error = make_admin_error(admin_errc::unavailable,
                                         "an actor of the fleet did not answer within " +
                                             std::to_string(timeout.count()) +
                                             " ms; it may be restarting: retry");
              promise.deliver(std::move(error));
            });
  return promise;
}

/// relay_within the admin relay timeout.
template <class T, class Self, class... Ts>
caf::result<T> relay(Self* self, const caf::actor& dest, Ts&&... xs) {
  return relay_within<T>(self, admin_relay_timeout, dest, std::forward<Ts>(xs)...);
}

} // namespace camfleet
