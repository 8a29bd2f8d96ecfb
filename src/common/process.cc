#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/files.h"

extern char** environ;

namespace coffer {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() { CloseBoth(); }
  void CloseBoth() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (read >= 0) ::close(std::exchange(read, -1));
  }
  void CloseWrite() {
    if (write >= 0) ::close(std::exchange(write, -1));
  }
};

Status MakePipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError("pipe: " + ErrnoText(errno));
  }
  p.read = fds[0];
  p.write = fds[1];
  return OkStatus();
}

std::vector<char*> CStrings(const std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (const auto& s : items) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                   const ProcessOptions& options) {
  if (argv.empty()) return InvalidArgumentError("no program to run");
  Pipe in, out, err;
  COFFER_RETURN_IF_ERROR(MakePipe(in));
  COFFER_RETURN_IF_ERROR(MakePipe(out));
  COFFER_RETURN_IF_ERROR(MakePipe(err));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);

  std::vector<char*> args = CStrings(argv);
  std::vector<char*> env;
  if (options.environment) env = CStrings(*options.environment);
  char** envp = options.environment ? env.data() : environ;

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return UnavailableError("cannot start " + argv[0] + ": " + ErrnoText(rc));
  }
  in.CloseRead();
  out.CloseWrite();
  err.CloseWrite();

  ProcessResult result;
  Status output_status;
  size_t stdin_done = 0;
  if (options.stdin_data.empty()) in.CloseWrite();
  // A child that exits without reading its input must not kill us with
  // SIGPIPE: block it here and discard a pending one before unblocking.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (out.read >= 0 || err.read >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out.read >= 0) fds[n++] = {out.read, POLLIN, 0};
    if (err.read >= 0) fds[n++] = {err.read, POLLIN, 0};
    if (in.write >= 0) fds[n++] = {in.write, POLLOUT, 0};
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    if (::poll(fds, static_cast<nfds_t>(n), wait_ms) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.write) {
        ssize_t w = ::write(in.write, options.stdin_data.data() + stdin_done,
                            options.stdin_data.size() - stdin_done);
        if (w > 0) stdin_done += static_cast<size_t>(w);
        if (w < 0 && errno != EINTR && errno != EAGAIN) in.CloseWrite();
        if (stdin_done == options.stdin_data.size()) in.CloseWrite();
        continue;
      }
      bool is_out = fds[i].fd == out.read;
      std::string& sink = is_out ? result.stdout_data : result.stderr_data;
      char buffer[65536];
      ssize_t r = ::read(fds[i].fd, buffer, sizeof buffer);
      if (r > 0) {
        if (sink.size() + static_cast<size_t>(r) > options.max_output) {
          output_status = ResourceExhaustedError(
              argv[0] + " printed more than " +
              std::to_string(options.max_output) + " bytes");
          ::kill(pid, SIGKILL);
          out.CloseRead();
          err.CloseRead();
          break;
        }
        sink.append(buffer, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        (is_out ? out : err).CloseRead();
      }
    }
  }
  in.CloseWrite();
  if (!sigismember(&old, SIGPIPE)) {
    siginfo_t info;
    timespec zero{0, 0};
    while (::sigtimedwait(&block, &info, &zero) > 0) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!output_status.ok()) return output_status;
  if (WIFEXITED(wstatus)) {
    result.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    result.exit_code = 128 + WTERMSIG(wstatus);
  }
  return result;
}

}  // namespace coffer
