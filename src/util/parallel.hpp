// Run work(i) for every i below count on at most `width` threads at once, the
// calling thread among them; returns when all are done. The helper threads
// start working together, once all are made (a batch of power calls starts
// at once, not as fast as threads can be made beside those already busy).
// A thread that cannot be made: std::system_error, once the work is done by
// the threads that were.
#pragma once

#include <cstddef>
#include <functional>

namespace slumber::util {

void parallel_for(std::size_t count, int width, const std::function<void(std::size_t)>& work);

}  // namespace slumber::util
