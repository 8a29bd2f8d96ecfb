// Test support: a real LAS serving on a temporary socket, in this process.
//
// Quotes and seal keys go to peers running this very executable (the test
// binary), as `coffer las serve` gives them to peers running coffer. The
// LAS is stopped and its thread joined when the object goes, whatever the
// test did. Use from tests only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "las/client.h"
#include "las/platform.h"
#include "las/server.h"
#include "las/service.h"

namespace coffer::las::testing {

class RunningLas {
 public:
  // A platform in `data_dir` (made on first use, its certificate valid from
  // `created`), serving on `data_dir`/las.sock. Check ok() (or status())
  // before use.
  explicit RunningLas(const std::string& data_dir,
                      std::chrono::system_clock::time_point created =
                          std::chrono::system_clock::now());
  ~RunningLas();
  RunningLas(const RunningLas&) = delete;
  RunningLas& operator=(const RunningLas&) = delete;

  bool ok() const { return server_ != nullptr; }
  const Status& status() const { return status_; }
  const Platform& platform() const { return *platform_; }
  const std::string& socket() const { return server_->socket_path(); }
  Client client() const;

 private:
  Status status_;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace coffer::las::testing
