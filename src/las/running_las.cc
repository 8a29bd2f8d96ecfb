#include "las/running_las.h"

#include "las/measurement.h"

namespace coffer::las::testing {

RunningLas::RunningLas(const std::string& data_dir,
                       std::chrono::system_clock::time_point created) {
  StatusOr<crypto::Sha256Digest> self = SelfIdentity();
  if (!self.ok()) {
    status_ = self.status();
    return;
  }
  StatusOr<std::unique_ptr<Platform>> platform =
      Platform::OpenOrCreate(data_dir, created);
  if (!platform.ok()) {
    status_ = platform.status();
    return;
  }
  platform_ = *std::move(platform);
  StatusOr<std::unique_ptr<Service>> service =
      Service::Create(*platform_, {*self, *self, {}});
  if (!service.ok()) {
    status_ = service.status();
    return;
  }
  service_ = *std::move(service);
  ServerOptions options;
  options.socket_path = data_dir + "/las.sock";
  StatusOr<std::unique_ptr<Server>> server = Server::Listen(options, *service_);
  if (!server.ok()) {
    status_ = server.status();
    return;
  }
  server_ = *std::move(server);
  thread_ = std::thread([this] { (void)server_->Serve(); });
}

RunningLas::~RunningLas() {
  if (server_ != nullptr) server_->Shutdown();
  if (thread_.joinable()) thread_.join();
}

Client RunningLas::client() const {
  return Client(socket(), std::chrono::seconds(30));
}

}  // namespace coffer::las::testing
