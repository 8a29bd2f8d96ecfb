#include "runtime/service_launch.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "common/files.h"
#include "runtime/private_files.h"

namespace coffer::runtime {
namespace {

using las::UniqueFd;

constexpr std::array kForwarded = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
                                   SIGUSR1, SIGUSR2, SIGWINCH};

// NUL-terminated strings in one block that is wiped at the end, and the
// pointer array execve wants. The block is reserved at its final size
// (`bytes`, NULs included) so that no reallocation leaves an unwiped copy.
class StringBlock {
 public:
  StringBlock(size_t count, size_t bytes) {
    offsets_.reserve(count);
    block_.reserve(bytes);
  }
  ~StringBlock() { Wipe(); }
  StringBlock(const StringBlock&) = delete;
  StringBlock& operator=(const StringBlock&) = delete;

  void Add(std::span<const uint8_t> a, std::span<const uint8_t> b = {}) {
    offsets_.push_back(block_.size());
    block_.insert(block_.end(), a.begin(), a.end());
    block_.insert(block_.end(), b.begin(), b.end());
    block_.push_back('\0');
  }
  // Wipes the strings; the pointers are then void.
  void Wipe() {
    OPENSSL_cleanse(block_.data(), block_.size());
    block_.clear();
  }
  // Valid until the next Add or Wipe.
  std::vector<char*> Pointers() {
    std::vector<char*> pointers;
    for (size_t offset : offsets_) {
      pointers.push_back(reinterpret_cast<char*>(block_.data() + offset));
    }
    pointers.push_back(nullptr);
    return pointers;
  }

 private:
  std::vector<uint8_t> block_;
  std::vector<size_t> offsets_;
};

std::span<const uint8_t> Span(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// The child's side: never returns. Reports a failure as the status code
// (one byte) and message on `report`, which closes on a successful exec.
[[noreturn]] void BecomeService(const ServiceLaunch& launch, char** argv,
                                char** envp, const sigset_t& old_mask,
                                pid_t runtime, int report) {
  Status status = EnterPrivateMountNamespace();
  // A runtime killed outright (SIGKILL cannot be forwarded) still ends its
  // service, with a SIGTERM it can shut down cleanly on. Set after the
  // namespaces, since a change of credentials may clear it.
  if (status.ok() &&
      (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != runtime)) {
    status = InternalError("the runtime ended before its service started");
  }
  if (status.ok()) status = WriteInjectedFiles(launch.files);
  if (status.ok() && chdir(launch.working_directory.c_str()) != 0) {
    status = NotFoundError("cannot change to the working directory " +
                           launch.working_directory + ": " + ErrnoText(errno));
  }
  if (status.ok()) {
    // A "#!" script is read by its interpreter through /proc/self/fd, so
    // its descriptor must survive the exec.
    char magic[2] = {};
    if (pread(launch.program.get(), magic, 2, 0) == 2 && magic[0] == '#' &&
        magic[1] == '!') {
      fcntl(launch.program.get(), F_SETFD, 0);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    execveat(launch.program.get(), "", argv, envp, AT_EMPTY_PATH);
    status =
        FailedPreconditionError("program " + launch.program_path +
                                " cannot be executed: " + ErrnoText(errno));
  }
  const std::string report_text =
      std::string(1, static_cast<char>(status.code())) + status.message();
  (void)!write(report, report_text.data(), report_text.size());
  _exit(125);
}

// Reads the child's report until the pipe closes: empty means it execs.
std::string ReadReport(int report) {
  std::string text;
  char buffer[512];
  for (;;) {
    const ssize_t n = read(report, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 125;
}

}  // namespace

StatusOr<ServiceEnd> RunService(ServiceLaunch launch) {
  size_t argument_bytes = 0;
  for (const crypto::SecretBytes& argument : launch.arguments) {
    argument_bytes += argument.size() + 1;
  }
  StringBlock arguments(launch.arguments.size(), argument_bytes);
  for (const crypto::SecretBytes& argument : launch.arguments) {
    arguments.Add(argument.span());
  }
  size_t environment_bytes = 0;
  for (const auto& [name, value] : launch.environment) {
    environment_bytes += name.size() + 1 + value.size() + 1;
  }
  StringBlock environment(launch.environment.size(), environment_bytes);
  for (const auto& [name, value] : launch.environment) {
    environment.Add(Span(name + "="), value.span());
  }
  std::vector<char*> argv = arguments.Pointers();
  std::vector<char*> envp = environment.Pointers();
  launch.arguments.clear();
  launch.environment.clear();

  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int signal_number : kForwarded) sigaddset(&forwarded, signal_number);
  sigaddset(&forwarded, SIGCHLD);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &forwarded, &old_mask);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return InternalError(std::string("cannot make a pipe: ") +
                         ErrnoText(errno));
  }
  UniqueFd report_read(pipe_fds[0]);
  UniqueFd report_write(pipe_fds[1]);
  const pid_t runtime = getpid();
  const pid_t child = fork();
  if (child < 0) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return InternalError(std::string("cannot fork: ") + ErrnoText(errno));
  }
  if (child == 0) {
    BecomeService(launch, argv.data(), envp.data(), old_mask, runtime,
                  report_write.get());
  }
  report_write.Reset();
  // The child has its copies; this process keeps no secret it does not need.
  arguments.Wipe();
  environment.Wipe();
  for (cas::ServiceFile& file : launch.files)
    file.content = crypto::SecretBytes();
  const std::string report = ReadReport(report_read.get());

  int wait_status = 0;
  if (!report.empty()) {
    while (waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return Status(static_cast<StatusCode>(static_cast<uint8_t>(report[0])),
                  report.substr(1));
  }
  bool asked_to_stop = false;
  for (;;) {
    siginfo_t info{};
    const int signal_number = sigwaitinfo(&forwarded, &info);
    if (signal_number < 0) continue;  // EINTR
    if (signal_number == SIGCHLD) {
      const pid_t done = waitpid(child, &wait_status, WNOHANG);
      if (done == child) break;
      continue;
    }
    if (signal_number == SIGTERM || signal_number == SIGINT ||
        signal_number == SIGQUIT) {
      asked_to_stop = true;
    }
    // The terminal sends its signals to the whole process group, the
    // service included; only those sent to this process alone go on.
    if (info.si_code != SI_KERNEL) kill(child, signal_number);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return ServiceEnd{ExitCodeOf(wait_status), asked_to_stop};
}

}  // namespace coffer::runtime
