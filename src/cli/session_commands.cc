// `coffer session ...`: the owner's commands on sessions (policies): check
// offline; create, read, update, verify and list on an attested CAS.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cas/cas_client.h"
#include "cli/commands.h"
#include "common/encoding.h"
#include "common/files.h"
#include "policy/parse.h"

namespace coffer::cli {
namespace {

constexpr size_t kMaxSessionFileBytes = 1u << 20;

// --use-env and -e NAME=VALUE, shared by every command that reads a file.
struct VariableFlags {
  bool use_env = false;
  std::vector<std::string> assignments;  // VAR=VALUE

  bool given() const { return use_env || !assignments.empty(); }
};

void AddVariableOptions(CLI::App* command, VariableFlags& flags) {
  command->add_flag("--use-env", flags.use_env,
                    "Replace $VAR and ${VAR} with values from the environment");
  command->add_option("-e", flags.assignments,
                      "Set a template variable: -e NAME=VALUE (repeatable; "
                      "wins over the environment)");
}

// The variables of `flags`, or nullopt after saying what is wrong.
std::optional<policy::Variables> ParseVariables(std::string_view command,
                                                const VariableFlags& flags) {
  policy::Variables variables;
  variables.use_env = flags.use_env;
  for (const std::string& assignment : flags.assignments) {
    size_t eq = assignment.find('=');
    if (eq == 0 || eq == std::string::npos) {
      std::cerr << "coffer session " << command << ": -e " << assignment
                << ": write -e NAME=VALUE\n";
      return std::nullopt;
    }
    variables.values[assignment.substr(0, eq)] = assignment.substr(eq + 1);
  }
  return variables;
}

struct LoadedSession {
  std::string text;
  policy::Session session;
};

// Reads and checks `file` as `session check` does. Problems go to stderr
// as FILE:LINE:COLUMN: error: MESSAGE; nullopt means exit 2.
std::optional<LoadedSession> LoadSession(std::string_view command,
                                         const std::string& file,
                                         const policy::Variables& variables,
                                         bool fail_on_warning) {
  StatusOr<std::string> text = ReadFile(file, kMaxSessionFileBytes);
  if (!text.ok()) {
    std::cerr << "coffer session " << command << ": cannot read " << file
              << ": " << text.status().message() << "\n";
    return std::nullopt;
  }
  policy::CheckOptions options;
  options.variables = variables;
  options.fail_on_warning = fail_on_warning;
  policy::CheckResult result = policy::ParseSession(*text, options);
  std::cerr << result.diagnostics.Format(file);
  if (!result.session) {
    int errors = result.diagnostics.error_count();
    std::cerr << file << ": " << errors << (errors == 1 ? " error" : " errors")
              << "\n";
    return std::nullopt;
  }
  return LoadedSession{std::move(text).value(),
                       std::move(result.session).value()};
}

int Fail(std::string_view command, std::string_view message, int code) {
  std::cerr << "coffer session " << command << ": " << message << "\n";
  return code;
}

int FailCas(std::string_view command, const Status& status) {
  return Fail(command, status.message(), ExitCodeForCasError(status));
}

// --name must agree with the file, whose `name:` the CAS goes by.
bool NameAgrees(std::string_view command, const std::string& flag,
                const std::string& file, const policy::Session& session) {
  if (flag.empty() || flag == session.name) return true;
  Fail(command,
       "--name " + flag + " but " + file + " names the session \"" +
           session.name + "\"",
       kExitBadInput);
  return false;
}

cas::SessionUpload Upload(const LoadedSession& loaded, const std::string& file,
                          const policy::Variables& variables) {
  return {loaded.session.name, loaded.text, file,
          cas::UsedVariables(loaded.text, variables)};
}

// ---- check

struct CheckFlags {
  std::string file;
  VariableFlags variables;
  bool fail_on_warning = false;
};

int RunCheck(const CheckFlags& flags) {
  std::optional<policy::Variables> variables =
      ParseVariables("check", flags.variables);
  if (!variables) return kExitBadInput;
  std::optional<LoadedSession> loaded =
      LoadSession("check", flags.file, *variables, flags.fail_on_warning);
  if (!loaded) return kExitBadInput;
  const policy::Session& session = loaded->session;
  std::cout << "session \"" << session.name << "\" is valid ("
            << session.services.size() << " services, "
            << session.secrets.size() << " secrets)\n"
            << session.hash << "\n";
  return kExitOk;
}

// ---- create, update

struct WriteFlags {
  std::string file;
  std::string name;
  std::string predecessor;  // update only
  VariableFlags variables;
  std::string cas;
};

int RunCreate(const WriteFlags& flags) {
  std::optional<policy::Variables> variables =
      ParseVariables("create", flags.variables);
  if (!variables) return kExitBadInput;
  std::optional<LoadedSession> loaded =
      LoadSession("create", flags.file, *variables, false);
  if (!loaded) return kExitBadInput;
  if (!NameAgrees("create", flags.name, flags.file, loaded->session)) {
    return kExitBadInput;
  }
  if (loaded->session.predecessor.has_value()) {
    return Fail("create",
                flags.file +
                    " has a predecessor: a new session has none; remove it, "
                    "or use coffer session update",
                kExitBadInput);
  }
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("session create", flags.cas, exit_code);
  if (!cas) return exit_code;
  StatusOr<cas::SessionRef> created =
      cas->CreateSession(Upload(*loaded, flags.file, *variables));
  if (!created.ok()) return FailCas("create", created.status());
  std::cout << created->hash << "\n";
  return kExitOk;
}

int RunUpdate(const WriteFlags& flags) {
  std::optional<policy::Variables> variables =
      ParseVariables("update", flags.variables);
  if (!variables) return kExitBadInput;
  std::optional<std::string> predecessor;
  if (!flags.predecessor.empty()) {
    if (!IsHex(flags.predecessor, 64)) {
      return Fail("update",
                  "--predecessor " + flags.predecessor +
                      ": write the 64-hex hash of the session it replaces",
                  kExitBadInput);
    }
    StatusOr<Bytes> bytes = HexDecode(flags.predecessor);
    predecessor = HexEncode(*bytes);  // lower case, as the CAS writes it
  }
  std::optional<LoadedSession> loaded =
      LoadSession("update", flags.file, *variables, false);
  if (!loaded) return kExitBadInput;
  const policy::Session& session = loaded->session;
  if (!NameAgrees("update", flags.name, flags.file, session)) {
    return kExitBadInput;
  }
  if (predecessor && session.predecessor &&
      *predecessor != *session.predecessor) {
    return Fail("update",
                "--predecessor " + *predecessor + " but " + flags.file +
                    " says predecessor " + *session.predecessor,
                kExitBadInput);
  }
  if (!predecessor) predecessor = session.predecessor;
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("session update", flags.cas, exit_code);
  if (!cas) return exit_code;
  if (!predecessor) {
    StatusOr<cas::StoredSession> current = cas->ReadSession(session.name);
    if (!current.ok()) return FailCas("update", current.status());
    predecessor = current->hash;
    std::cerr << "coffer session update: no predecessor given: replacing the "
                 "current version of \""
              << session.name << "\", " << current->hash << "\n";
  }
  StatusOr<cas::SessionRef> updated =
      cas->UpdateSession(Upload(*loaded, flags.file, *variables), predecessor);
  if (!updated.ok()) return FailCas("update", updated.status());
  std::cout << updated->hash << "\n";
  return kExitOk;
}

// ---- read, verify, list

struct ReadFlags {
  std::string name;
  std::string file;  // verify only
  VariableFlags variables;
  std::string cas;
};

// A session name given on the command line, checked before any request.
bool NameIsValid(std::string_view command, const std::string& name) {
  Status valid = cas::CheckSessionName(name);
  if (valid.ok()) return true;
  Fail(command, valid.message(), kExitBadInput);
  return false;
}

int RunRead(const ReadFlags& flags) {
  if (!NameIsValid("read", flags.name)) return kExitBadInput;
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("session read", flags.cas, exit_code);
  if (!cas) return exit_code;
  StatusOr<cas::StoredSession> stored = cas->ReadSession(flags.name);
  if (!stored.ok()) return FailCas("read", stored.status());
  // stdout is the file as submitted, so `read NAME > FILE` gives it back;
  // what is not in the file goes to stderr.
  std::cout << stored->session;
  if (!stored->session.empty() && !stored->session.ends_with('\n')) {
    std::cout << "\n";
  }
  std::cerr << "hash " << stored->hash << "\n";
  for (const auto& [name, value] : stored->variables) {
    std::cerr << "variable " << name << "=" << value << "\n";
  }
  return kExitOk;
}

int RunVerify(const ReadFlags& flags) {
  if (!NameIsValid("verify", flags.name)) return kExitBadInput;
  std::optional<policy::Variables> variables =
      ParseVariables("verify", flags.variables);
  if (!variables) return kExitBadInput;
  if (flags.variables.given() &&
      !LoadSession("verify", flags.file, *variables, false)) {
    return kExitBadInput;  // checked before contacting the CAS
  }
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("session verify", flags.cas, exit_code);
  if (!cas) return exit_code;
  StatusOr<cas::StoredSession> stored = cas->ReadSession(flags.name);
  if (!stored.ok()) return FailCas("verify", stored.status());
  // Without --use-env or -e: the variables the session was submitted with.
  if (!flags.variables.given()) variables->values = stored->variables;
  std::optional<LoadedSession> loaded =
      LoadSession("verify", flags.file, *variables, false);
  if (!loaded) return kExitBadInput;
  if (loaded->session.hash != stored->hash) {
    return Fail("verify",
                "session \"" + flags.name + "\" on the CAS has hash " +
                    stored->hash + ", but " + flags.file + " has hash " +
                    loaded->session.hash,
                kExitRefused);
  }
  std::cout << "session \"" << flags.name << "\" on the CAS is " << flags.file
            << "\n"
            << stored->hash << "\n";
  return kExitOk;
}

int RunList(const ReadFlags& flags) {
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("session list", flags.cas, exit_code);
  if (!cas) return exit_code;
  StatusOr<std::vector<std::string>> names = cas->ListSessions();
  if (!names.ok()) return FailCas("list", names.status());
  for (const std::string& name : *names) std::cout << name << "\n";
  return kExitOk;
}

}  // namespace

void AddSessionCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* session = app.add_subcommand(
      "session", "Check, create, read, update and verify sessions (policies)");
  session->require_subcommand(1);

  auto check_flags = std::make_shared<CheckFlags>();
  CLI::App* check = session->add_subcommand(
      "check",
      "Validate a session file offline. Prints its hash on the last line; "
      "problems go to stderr as FILE:LINE:COLUMN: error: MESSAGE (exit 2)");
  check->add_option("FILE", check_flags->file, "The session file (YAML)")
      ->required();
  AddVariableOptions(check, check_flags->variables);
  check->add_flag("--fail-on-warning", check_flags->fail_on_warning,
                  "Treat warnings (SCONE keys Coffer ignores) as errors");
  check->callback(
      [check_flags, &exit_code] { exit_code.value = RunCheck(*check_flags); });

  auto create_flags = std::make_shared<WriteFlags>();
  CLI::App* create = session->add_subcommand(
      "create",
      "Check a session file like `check`, then create it on the CAS. Prints "
      "its hash. The CAS gets the file as written plus the values of the "
      "variables it uses (and no others). Exit 1 if the CAS refuses (name "
      "taken, invalid), 2 for problems found locally, 3 if the CAS cannot be "
      "reached or trusted");
  create->add_option("FILE", create_flags->file, "The session file (YAML)")
      ->required();
  create->add_option("--name", create_flags->name,
                     "The session's name; must equal the file's `name:` "
                     "after variable expansion (default: that name)");
  AddVariableOptions(create, create_flags->variables);
  AddCasOption(create, create_flags->cas);
  create->callback([create_flags, &exit_code] {
    exit_code.value = RunCreate(*create_flags);
  });

  auto update_flags = std::make_shared<WriteFlags>();
  CLI::App* update = session->add_subcommand(
      "update",
      "Replace a session on the CAS with a new version of its file. The "
      "update names the hash it replaces: --predecessor, else the file's "
      "`predecessor:`, else the current hash, read first (said on stderr). "
      "Prints the new hash. Exit codes as for create; 1 also when the "
      "predecessor is not the current hash");
  update->add_option("FILE", update_flags->file, "The session file (YAML)")
      ->required();
  update->add_option("--name", update_flags->name,
                     "The session's name; must equal the file's `name:` "
                     "(default: that name)");
  update->add_option("--predecessor", update_flags->predecessor,
                     "The hash (64 hex) of the version this replaces");
  AddVariableOptions(update, update_flags->variables);
  AddCasOption(update, update_flags->cas);
  update->callback([update_flags, &exit_code] {
    exit_code.value = RunUpdate(*update_flags);
  });

  auto read_flags = std::make_shared<ReadFlags>();
  CLI::App* read = session->add_subcommand(
      "read",
      "Print a session as it was submitted (stdout), then its hash and "
      "variables (stderr: `hash H`, `variable NAME=VALUE`). Exit 1 if it "
      "does not exist or you may not read it");
  read->add_option("NAME", read_flags->name, "The session's name")->required();
  AddCasOption(read, read_flags->cas);
  read->callback(
      [read_flags, &exit_code] { exit_code.value = RunRead(*read_flags); });

  auto verify_flags = std::make_shared<ReadFlags>();
  CLI::App* verify = session->add_subcommand(
      "verify",
      "Check that the CAS holds exactly FILE as session NAME: exit 0 if the "
      "CAS's hash equals FILE's hash, computed with the variables the session "
      "was submitted with (or with --use-env and -e), 1 with both hashes if "
      "not");
  verify->add_option("NAME", verify_flags->name, "The session's name")
      ->required();
  verify->add_option("FILE", verify_flags->file, "The session file (YAML)")
      ->required();
  AddVariableOptions(verify, verify_flags->variables);
  AddCasOption(verify, verify_flags->cas);
  verify->callback([verify_flags, &exit_code] {
    exit_code.value = RunVerify(*verify_flags);
  });

  auto list_flags = std::make_shared<ReadFlags>();
  CLI::App* list = session->add_subcommand(
      "list", "Print the names of the sessions you may read, one a line");
  AddCasOption(list, list_flags->cas);
  list->callback(
      [list_flags, &exit_code] { exit_code.value = RunList(*list_flags); });
}

}  // namespace coffer::cli
