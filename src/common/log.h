// Structured logging in logfmt: `ts=... level=info msg="..." key=value ...`.
//
// Fields take strings and numbers only. Secret types (crypto::SecretBytes)
// deliberately have no conversion to a field, so a secret value cannot reach
// a log line by accident. Thread-safe: lines are written whole under a lock.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace coffer {

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError };

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning" or "error"; false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// Where whole lines go (without the trailing newline). Default: stderr.
// Passing nullptr restores the default. Meant for tests and the CLI.
void SetLogSink(std::function<void(std::string_view line)> sink);

void Log(LogLevel level, std::string_view message,
         std::initializer_list<LogField> fields = {});

// Formats one logfmt line without a timestamp; exposed for tests.
std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

}  // namespace coffer
