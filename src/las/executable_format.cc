#include "las/executable_format.h"

#include <elf.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "common/files.h"

namespace coffer::las {
namespace {

#if defined(__x86_64__)
constexpr uint16_t kNativeMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kNativeMachine = EM_AARCH64;
#else
#error "Coffer's measurement knows the ELF machine of x86-64 and AArch64 only"
#endif

constexpr size_t kElfHeaderSize = 64;           // sizeof(Elf64_Ehdr)
constexpr size_t kProgramHeaderSize = 56;       // sizeof(Elf64_Phdr)
constexpr uint64_t kMaxInterpreterSize = 4096;  // PATH_MAX, with its NUL

uint16_t Le16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
uint32_t Le32(const Bytes& b, size_t at) {
  return static_cast<uint32_t>(Le16(b, at)) |
         (static_cast<uint32_t>(Le16(b, at + 2)) << 16);
}
uint64_t Le64(const Bytes& b, size_t at) {
  return static_cast<uint64_t>(Le32(b, at)) |
         (static_cast<uint64_t>(Le32(b, at + 4)) << 32);
}

// Reads exactly `length` bytes or explains that the file ends too early.
StatusOr<Bytes> ReadExactly(const ReadAt& read_at, uint64_t offset,
                            size_t length, std::string_view what) {
  COFFER_ASSIGN_OR_RETURN(Bytes bytes, read_at(offset, length));
  if (bytes.size() != length) {
    return InvalidArgumentError(
        "truncated ELF file: the " + std::string(what) + " at offset " +
        std::to_string(offset) + " needs " + std::to_string(length) +
        " bytes, the file ends after " + std::to_string(bytes.size()));
  }
  return bytes;
}

StatusOr<ExecutableFormat> DetectElf(const ReadAt& read_at) {
  COFFER_ASSIGN_OR_RETURN(Bytes header,
                          ReadExactly(read_at, 0, kElfHeaderSize, "header"));
  if (header[EI_CLASS] != ELFCLASS64 || header[EI_DATA] != ELFDATA2LSB) {
    return InvalidArgumentError(
        "unsupported ELF file: only 64-bit little-endian programs can be "
        "measured");
  }
  const uint16_t type = Le16(header, 16);
  if (type != ET_EXEC && type != ET_DYN) {
    return InvalidArgumentError("ELF file of type " + std::to_string(type) +
                                " is not an executable");
  }
  const uint16_t machine = Le16(header, 18);
  if (machine != kNativeMachine) {
    return InvalidArgumentError("ELF file is for machine " +
                                std::to_string(machine) + ", this one is " +
                                std::to_string(kNativeMachine));
  }
  const uint64_t phoff = Le64(header, 32);
  const uint16_t phentsize = Le16(header, 54);
  const uint16_t phnum = Le16(header, 56);
  if (phentsize != kProgramHeaderSize || phnum == 0 || phnum == PN_XNUM) {
    return InvalidArgumentError("malformed ELF file: program header table of " +
                                std::to_string(phnum) + " entries of " +
                                std::to_string(phentsize) + " bytes");
  }
  const size_t table_size = size_t{phnum} * kProgramHeaderSize;
  if (phoff > UINT64_MAX - table_size) {
    return InvalidArgumentError("malformed ELF file: program header offset " +
                                std::to_string(phoff) + " is out of range");
  }
  COFFER_ASSIGN_OR_RETURN(
      Bytes table, ReadExactly(read_at, phoff, table_size, "program headers"));

  ExecutableFormat format;
  bool seen_interpreter = false;
  for (size_t i = 0; i < phnum; ++i) {
    const size_t entry = i * kProgramHeaderSize;
    if (Le32(table, entry) != PT_INTERP) continue;
    if (seen_interpreter) {
      return InvalidArgumentError(
          "malformed ELF file: more than one PT_INTERP segment");
    }
    seen_interpreter = true;
    const uint64_t offset = Le64(table, entry + 8);
    const uint64_t size = Le64(table, entry + 32);
    if (size < 2 || size > kMaxInterpreterSize) {
      return InvalidArgumentError("malformed ELF file: PT_INTERP of " +
                                  std::to_string(size) + " bytes");
    }
    COFFER_ASSIGN_OR_RETURN(
        Bytes path, ReadExactly(read_at, offset, size, "interpreter path"));
    // The loader path is a C string: exactly one NUL, at its end.
    std::string_view text = AsString(path);
    if (text.back() != '\0' || text.find('\0') != text.size() - 1) {
      return InvalidArgumentError(
          "malformed ELF file: PT_INTERP is not a NUL-terminated path");
    }
    format.type = ExecutableFormat::Type::kDynamicElf;
    format.interpreter = std::string(text.substr(0, text.size() - 1));
  }
  return format;
}

StatusOr<ExecutableFormat> DetectScript(const ReadAt& read_at) {
  COFFER_ASSIGN_OR_RETURN(Bytes prefix, read_at(0, kMaxShebangLine));
  std::string_view text = AsString(prefix);
  const size_t newline = text.find('\n');
  if (newline == std::string_view::npos && prefix.size() == kMaxShebangLine) {
    return InvalidArgumentError("the #! line is longer than " +
                                std::to_string(kMaxShebangLine - 1) + " bytes");
  }
  std::string_view line = text.substr(2, newline - 2);
  // As the kernel does: blanks, the interpreter, then at most one argument.
  const size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return InvalidArgumentError("the #! line names no interpreter");
  }
  line.remove_prefix(start);
  std::string_view interpreter = line.substr(0, line.find_first_of(" \t"));
  if (interpreter.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("the #! line contains a NUL byte");
  }
  if (!interpreter.starts_with('/')) {
    return InvalidArgumentError(
        "the #! interpreter \"" + std::string(interpreter) +
        "\" is not an absolute path; it would depend on the working "
        "directory");
  }
  ExecutableFormat format;
  format.type = ExecutableFormat::Type::kScript;
  format.interpreter = std::string(interpreter);
  return format;
}

}  // namespace

StatusOr<ExecutableFormat> DetectExecutableFormat(const ReadAt& read_at) {
  COFFER_ASSIGN_OR_RETURN(Bytes magic, read_at(0, SELFMAG));
  if (AsString(magic).starts_with("#!")) return DetectScript(read_at);
  if (AsString(magic) == std::string_view(ELFMAG, SELFMAG)) {
    return DetectElf(read_at);
  }
  return InvalidArgumentError(
      "not an executable: neither an ELF program nor a #! script");
}

StatusOr<ExecutableFormat> DetectExecutableFormatOfFd(int fd) {
  return DetectExecutableFormat(
      [fd](uint64_t offset, size_t length) -> StatusOr<Bytes> {
        // Beyond off_t there is nothing to read: a short read, as at EOF.
        if (offset > static_cast<uint64_t>(INT64_MAX) - length) return Bytes();
        Bytes out(length);
        size_t done = 0;
        while (done < length) {
          ssize_t n = ::pread(fd, out.data() + done, length - done,
                              static_cast<off_t>(offset + done));
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return InternalError("read: " + ErrnoText(errno));
          if (n == 0) break;
          done += static_cast<size_t>(n);
        }
        out.resize(done);
        return out;
      });
}

}  // namespace coffer::las
