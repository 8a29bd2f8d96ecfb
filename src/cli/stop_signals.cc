#include "cli/stop_signals.h"

#include <pthread.h>

#include <ctime>

#include "common/log.h"

namespace coffer::cli {

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void WaitForStopSignal(const sigset_t& signals,
                       const std::function<bool()>& done,
                       const std::function<void()>& stop) {
  const timespec tick{0, 200'000'000};
  while (!done()) {
    const int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal <= 0) continue;
    Log(LogLevel::kInfo, "stopping", {{"signal", signal}});
    stop();
    return;
  }
}

}  // namespace coffer::cli
