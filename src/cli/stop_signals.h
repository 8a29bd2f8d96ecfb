// Clean shutdown of the serving commands on SIGTERM and SIGINT.
//
// The signals are blocked in the calling thread before any other thread is
// started (threads inherit the mask), and then taken synchronously by
// WaitForStopSignal with sigtimedwait: whatever runs on a stop is ordinary
// code, not a signal handler.
#pragma once

#include <signal.h>

#include <functional>

namespace coffer::cli {

// Blocks SIGTERM and SIGINT in this thread (and every thread it starts
// afterwards); returns the set for WaitForStopSignal.
sigset_t BlockStopSignals();

// Waits until a stop signal arrives, then calls `stop` and returns; or
// returns without calling it once `done` is true (checked every 200 ms).
void WaitForStopSignal(const sigset_t& signals,
                       const std::function<bool()>& done,
                       const std::function<void()>& stop);

}  // namespace coffer::cli
