// Run work(i) for every i below count on at most `width` threads at once, the
// calling thread among them; returns when all are done.
#pragma once

#include <cstddef>
#include <functional>

namespace slumber::util {

void parallel_for(std::size_t count, int width, const std::function<void(std::size_t)>& work);

}  // namespace slumber::util
