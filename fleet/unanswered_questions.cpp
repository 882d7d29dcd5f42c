#include "fleet/unanswered_questions.hpp"

#include <algorithm>

#include <caf/blocking_actor.hpp>

namespace camfleet {

void unanswered_questions::forget_answered() {
  // A late answer waits in the asker's mailbox: the root has dequeued the
  // question and replied. Destroying the asker drops that answer.
  askers_.erase(std::remove_if(askers_.begin(), askers_.end(),
                               [](const std::unique_ptr<caf::scoped_actor>& asker) {
                                 return (*asker)->has_next_message();
                               }),
                askers_.end());
}

bool unanswered_questions::full() {
  std::lock_guard<std::mutex> guard{mutex_};
  forget_answered();
  return askers_.size() >= limit_;
}

void unanswered_questions::keep(std::unique_ptr<caf::scoped_actor> asker) {
  std::lock_guard<std::mutex> guard{mutex_};
  askers_.push_back(std::move(asker));
}

std::size_t unanswered_questions::count() {
  std::lock_guard<std::mutex> guard{mutex_};
  forget_answered();
  return askers_.size();
}

} // namespace camfleet
