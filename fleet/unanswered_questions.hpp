// A bound on what the admin interface leaves in the fleet's mailboxes.
//
// Every admin request asks the fleet root from a fresh scoped actor and
// waits at most the routes' timeout. A question that times out is still in
// the root's mailbox (CAF's mailboxes are unbounded): if the root stalls,
// every further request would add one more. This keeps the askers of
// timed-out questions until their late answer arrives, which proves the
// root has taken the question out of its mailbox; while `limit` of them are
// unanswered, no further question is sent and requests get 503 at once.

#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include <caf/scoped_actor.hpp>

namespace camfleet {

class unanswered_questions {
 public:
  /// At most this many timed-out questions in the fleet's mailboxes.
  static constexpr std::size_t default_limit = 4;

  explicit unanswered_questions(std::size_t limit = default_limit) : limit_(limit) {}

  /// Forgets the questions answered since, then whether `limit` are still
  /// unanswered (then ask nothing).
  bool full();

  /// Keeps the asker of a question that timed out, to see its late answer.
  void keep(std::unique_ptr<caf::scoped_actor> asker);

  /// How many timed-out questions are still unanswered.
  std::size_t count();

  std::size_t limit() const { return limit_; }

 private:
  void forget_answered();

  std::mutex mutex_;
  std::size_t limit_;
  std::deque<std::unique_ptr<caf::scoped_actor>> askers_;
};

} // namespace camfleet
