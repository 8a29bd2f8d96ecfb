#include "sql/lexer.h"

#include <cstdint>
#include <utility>

namespace coffer::sql {
namespace {

bool IsSpace(unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0D); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsAsciiIdent(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '_' || c == '$';
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The lexer proper. The outer state (`state_`) says whether we are inside an
// executable comment and whether the next token must be read as an
// identifier (after `ident.`); each token is then scanned by a routine chosen
// from its first byte, as the server's lexer does.
class Lexer {
 public:
  Lexer(std::string_view sql, LexMode mode) : sql_(sql), mode_(mode) {}

  StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      COFFER_RETURN_IF_ERROR(SkipSpaceAndComments());
      Token token;
      token.offset = pos_;
      if (pos_ >= sql_.size()) {
        if (in_executable_comment_) {
          return Error(exec_comment_start_, "unterminated comment");
        }
        token.kind = TokenKind::kEnd;
        tokens.push_back(std::move(token));
        return tokens;
      }
      COFFER_RETURN_IF_ERROR(Scan(token));
      token.length = pos_ - token.offset;
      tokens.push_back(std::move(token));
    }
  }

 private:
  enum class Next { kAny, kIdentSep, kForcedIdent };

  unsigned char At(size_t i) const {
    return i < sql_.size() ? static_cast<unsigned char>(sql_[i]) : 0;
  }
  bool Has(size_t i) const { return i < sql_.size(); }

  Status Error(size_t offset, std::string_view what) const {
    return InvalidArgumentError("sql: " + Position(sql_, offset) + ": " +
                                std::string(what));
  }

  // Bytes of the identifier character at `i`: 0 if it is none, and an error
  // for bytes >= 0x80 that are not well-formed UTF-8 or that contain 0xA0
  // (a space in latin1: the server would split the identifier there).
  StatusOr<size_t> IdentCharLength(size_t i) const {
    if (!Has(i)) return size_t{0};
    unsigned char c = At(i);
    if (c < 0x80) return IsAsciiIdent(c) ? size_t{1} : size_t{0};
    size_t len = 0;
    uint32_t min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else {
      return Error(i, "invalid UTF-8 byte in identifier");
    }
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = At(i + k);
      if (!Has(i + k) || (cc & 0xC0) != 0x80) {
        return Error(i, "invalid UTF-8 sequence in identifier");
      }
      if (cc == 0xA0) return Error(i, "byte 0xA0 in an unquoted identifier");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Error(i, "invalid UTF-8 sequence in identifier");
    }
    return len;
  }

  // Advances pos_ over identifier characters.
  Status ReadIdentChars() {
    while (true) {
      COFFER_ASSIGN_OR_RETURN(size_t len, IdentCharLength(pos_));
      if (len == 0) return OkStatus();
      pos_ += len;
    }
  }

  bool StartsIdentChar(size_t i) const {
    return Has(i) && (IsAsciiIdent(At(i)) || At(i) >= 0x80);
  }

  Status SkipSpaceAndComments() {
    while (Has(pos_)) {
      unsigned char c = At(pos_);
      if (IsSpace(c)) {
        ++pos_;
        next_ = Next::kAny;
        continue;
      }
      if (c == '#' || (c == '-' && At(pos_ + 1) == '-' && IsDashCommentEnd())) {
        if (in_executable_comment_) {
          return Error(pos_, "line comment inside an executable comment");
        }
        if (c == '-' && Has(pos_ + 2) && At(pos_ + 2) >= 0x80) {
          return Error(pos_, "'--' followed by a non-ASCII byte");
        }
        while (Has(pos_) && At(pos_) != '\n') ++pos_;
        next_ = Next::kAny;
        continue;
      }
      if (c == '-' && At(pos_ + 1) == '-' && Has(pos_ + 2) &&
          At(pos_ + 2) >= 0x80) {
        return Error(pos_, "'--' followed by a non-ASCII byte");
      }
      if (c == '*' && At(pos_ + 1) == '/' && in_executable_comment_) {
        pos_ += 2;
        in_executable_comment_ = false;
        next_ = Next::kAny;
        continue;
      }
      if (c == '/' && At(pos_ + 1) == '*') {
        if (in_executable_comment_) {
          return Error(pos_, "comment nested in an executable comment");
        }
        size_t start = pos_;
        bool executable = false;
        size_t body = pos_ + 2;
        if (At(pos_ + 2) == '!') {
          executable = true;
          body = pos_ + 3;
        } else if (At(pos_ + 2) == 'M' && At(pos_ + 3) == '!') {
          executable = true;
          body = pos_ + 4;
        }
        if (executable && !IsDigit(At(body))) {
          pos_ = body;
          in_executable_comment_ = true;
          exec_comment_start_ = start;
          next_ = Next::kAny;
          continue;
        }
        if (executable) return OkStatus();  // versioned: Scan reports it
        size_t close = sql_.find("*/", body);
        if (close == std::string_view::npos) {
          return Error(start, "unterminated comment");
        }
        pos_ = close + 2;
        next_ = Next::kAny;
        continue;
      }
      if (c == 0) return Error(pos_, "NUL byte outside a string");
      return OkStatus();
    }
    return OkStatus();
  }

  // `--` starts a comment only when followed by whitespace, a control
  // character or the end of the input.
  bool IsDashCommentEnd() const {
    if (!Has(pos_ + 2)) return true;
    unsigned char c = At(pos_ + 2);
    return c <= 0x20 || c == 0x7F;
  }

  Status Scan(Token& token) {
    Next next = next_;
    next_ = Next::kAny;
    unsigned char c = At(pos_);
    if (c == '/' && At(pos_ + 1) == '*') return ScanVersionedComment(token);
    if (c == ';' && in_executable_comment_) {
      // The server does not end a statement there (it is a syntax error).
      return Error(pos_, "';' inside an executable comment");
    }
    if (next == Next::kForcedIdent && StartsIdentChar(pos_)) {
      COFFER_RETURN_IF_ERROR(ReadIdentChars());
      return FinishWord(token, /*after_dot=*/true);
    }
    if (c == '\'') return ScanString(token, '\'', TokenKind::kString);
    if (c == '"') {
      if (mode_.ansi_quotes) return ScanQuotedIdent(token, '"');
      return ScanString(token, '"', TokenKind::kString);
    }
    if (c == '`') return ScanQuotedIdent(token, '`');
    if (IsDigit(c)) return ScanNumberOrIdent(token);
    if (c == '.' && IsDigit(At(pos_ + 1)) && next != Next::kIdentSep) {
      return ScanFraction(token, pos_);
    }
    if (c == '@') return ScanVariable(token);
    if (c == '?') {
      ++pos_;
      token.kind = TokenKind::kPlaceholder;
      token.text = "?";
      return OkStatus();
    }
    if (StartsIdentChar(pos_)) return ScanWord(token);
    return ScanOperator(token);
  }

  Status ScanVersionedComment(Token& token) {
    size_t close = sql_.find("*/", pos_ + 3);
    if (close == std::string_view::npos) {
      return Error(pos_, "unterminated comment");
    }
    token.kind = TokenKind::kVersionedComment;
    token.text = std::string(sql_.substr(pos_, close + 2 - pos_));
    pos_ = close + 2;
    return OkStatus();
  }

  Status FinishWord(Token& token, bool after_dot) {
    token.kind = TokenKind::kWord;
    token.text = std::string(sql_.substr(token.offset, pos_ - token.offset));
    token.upper = Upper(token.text);
    token.after_ident_dot = after_dot;
    SetIdentSepIfDot();
    return OkStatus();
  }

  void SetIdentSepIfDot() {
    if (At(pos_) == '.' && Has(pos_)) next_ = Next::kIdentSep;
  }

  Status ScanWord(Token& token) {
    unsigned char c = At(pos_);
    unsigned char u = static_cast<unsigned char>(c & ~0x20);
    if (At(pos_ + 1) == '\'' && (u == 'X' || u == 'B' || u == 'N')) {
      ++pos_;
      if (u == 'N') return ScanString(token, '\'', TokenKind::kNationalString);
      return ScanQuotedBits(token, u == 'X');
    }
    COFFER_RETURN_IF_ERROR(ReadIdentChars());
    return FinishWord(token, /*after_dot=*/false);
  }

  // X'...' / B'...' after the prefix letter.
  Status ScanQuotedBits(Token& token, bool hex) {
    size_t start = pos_ + 1;
    size_t end = start;
    while (Has(end) && At(end) != '\'') ++end;
    if (!Has(end)) return Error(token.offset, "unterminated string");
    std::string_view digits = sql_.substr(start, end - start);
    for (char d : digits) {
      unsigned char ud = static_cast<unsigned char>(d);
      if (hex ? !IsHexDigit(ud) : (d != '0' && d != '1')) {
        return Error(token.offset, hex ? "invalid hexadecimal literal"
                                       : "invalid binary literal");
      }
    }
    if (hex && digits.size() % 2 != 0) {
      return Error(token.offset, "odd number of digits in hexadecimal literal");
    }
    token.kind = hex ? TokenKind::kHexString : TokenKind::kBitString;
    token.text = std::string(digits);
    pos_ = end + 1;
    return OkStatus();
  }

  Status ScanString(Token& token, char quote, TokenKind kind) {
    size_t start = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (!Has(pos_)) return Error(start, "unterminated string");
      char c = sql_[pos_];
      if (c == quote) {
        if (At(pos_ + 1) == static_cast<unsigned char>(quote)) {
          value.push_back(quote);
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\\' && !mode_.no_backslash_escapes) {
        if (!Has(pos_ + 1)) return Error(start, "unterminated string");
        value += Unescape(sql_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      value.push_back(c);
      ++pos_;
    }
    token.kind = kind;
    token.text = std::move(value);
    return OkStatus();
  }

  static std::string Unescape(char c) {
    switch (c) {
      case '0': return std::string(1, '\0');
      case 'b': return "\b";
      case 'n': return "\n";
      case 'r': return "\r";
      case 't': return "\t";
      case 'Z': return "\x1A";
      case '%': return "\\%";  // kept for LIKE patterns, as the server does
      case '_': return "\\_";
      default: return std::string(1, c);
    }
  }

  Status ScanQuotedIdent(Token& token, char quote) {
    size_t start = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (!Has(pos_)) return Error(start, "unterminated quoted identifier");
      char c = sql_[pos_];
      if (c == quote) {
        if (At(pos_ + 1) == static_cast<unsigned char>(quote)) {
          value.push_back(quote);
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      value.push_back(c);
      ++pos_;
    }
    token.kind = TokenKind::kQuotedIdent;
    token.text = std::move(value);
    token.quoted = true;
    // After a quoted name the server starts afresh, so `t`.5 is `t` and the
    // number .5 (after an unquoted name, t.5 is the column 5).
    if (!IsDigit(At(pos_ + 1))) SetIdentSepIfDot();
    return OkStatus();
  }

  // The server's rule (MY_LEX_NUMBER_IDENT): a run of digits is a number
  // unless identifier characters follow, then it is an identifier (`1abc`),
  // except for exponents (`1e5`, `1e-5`); 0x.. and 0b.. (lower case only)
  // are hex/bit literals when nothing identifier-like follows.
  Status ScanNumberOrIdent(Token& token) {
    size_t start = pos_;
    if (At(pos_) == '0' && (At(pos_ + 1) == 'x' || At(pos_ + 1) == 'b')) {
      bool hex = At(pos_ + 1) == 'x';
      size_t end = pos_ + 2;
      while (Has(end) &&
             (hex ? IsHexDigit(At(end)) : (At(end) == '0' || At(end) == '1'))) {
        ++end;
      }
      if (end - start >= 3 && !StartsIdentChar(end)) {
        token.kind = hex ? TokenKind::kHexString : TokenKind::kBitString;
        token.text = std::string(sql_.substr(start + 2, end - start - 2));
        pos_ = end;
        return OkStatus();
      }
      COFFER_RETURN_IF_ERROR(ReadIdentChars());
      return FinishWord(token, false);
    }
    while (IsDigit(At(pos_)) && Has(pos_)) ++pos_;
    if (!StartsIdentChar(pos_)) {
      if (At(pos_) == '.' && Has(pos_)) return ScanFraction(token, start);
      token.kind = TokenKind::kInteger;
      token.text = std::string(sql_.substr(start, pos_ - start));
      return OkStatus();
    }
    unsigned char c = At(pos_);
    if (c == 'e' || c == 'E') {
      size_t p = pos_ + 1;
      if (At(p) == '+' || At(p) == '-') ++p;
      if (IsDigit(At(p)) && Has(p)) {
        while (IsDigit(At(p)) && Has(p)) ++p;
        pos_ = p;
        token.kind = TokenKind::kFloat;
        token.text = std::string(sql_.substr(start, pos_ - start));
        return OkStatus();
      }
    }
    COFFER_RETURN_IF_ERROR(ReadIdentChars());
    return FinishWord(token, false);
  }

  // At '.' of "1.", "1.5", ".5"; `start` is where the number began.
  Status ScanFraction(Token& token, size_t start) {
    ++pos_;  // '.'
    while (IsDigit(At(pos_)) && Has(pos_)) ++pos_;
    token.kind = TokenKind::kDecimal;
    unsigned char c = At(pos_);
    if (Has(pos_) && (c == 'e' || c == 'E')) {
      size_t p = pos_ + 1;
      if (At(p) == '+' || At(p) == '-') ++p;
      if (!Has(p) || !IsDigit(At(p))) {
        return Error(start, "malformed number exponent");
      }
      while (IsDigit(At(p)) && Has(p)) ++p;
      pos_ = p;
      token.kind = TokenKind::kFloat;
    }
    token.text = std::string(sql_.substr(start, pos_ - start));
    return OkStatus();
  }

  Status ScanVariable(Token& token) {
    size_t start = pos_;
    ++pos_;
    if (At(pos_) == '@' && Has(pos_)) {
      ++pos_;
      std::string name;
      while (true) {
        if (At(pos_) == '`' && Has(pos_)) {
          Token part;
          COFFER_RETURN_IF_ERROR(ScanQuotedIdent(part, '`'));
          name += part.text;
          token.quoted = true;
        } else {
          size_t s = pos_;
          COFFER_RETURN_IF_ERROR(ReadIdentChars());
          if (pos_ == s) return Error(start, "malformed system variable");
          name += sql_.substr(s, pos_ - s);
        }
        if (At(pos_) == '.' && Has(pos_ + 1) &&
            (StartsIdentChar(pos_ + 1) || At(pos_ + 1) == '`')) {
          name.push_back('.');
          ++pos_;
          continue;
        }
        break;
      }
      next_ = Next::kAny;
      token.kind = TokenKind::kSysVar;
      token.text = std::move(name);
      return OkStatus();
    }
    unsigned char c = At(pos_);
    if (Has(pos_) && (c == '\'' || c == '"' || c == '`')) {
      Token quoted;
      if (c == '`' || (c == '"' && mode_.ansi_quotes)) {
        COFFER_RETURN_IF_ERROR(ScanQuotedIdent(quoted, static_cast<char>(c)));
      } else {
        COFFER_RETURN_IF_ERROR(
            ScanString(quoted, static_cast<char>(c), TokenKind::kString));
      }
      next_ = Next::kAny;
      token.kind = TokenKind::kUserVar;
      token.text = std::move(quoted.text);
      token.quoted = true;
      return OkStatus();
    }
    size_t s = pos_;
    while (true) {
      if (At(pos_) == '.' && Has(pos_)) {
        ++pos_;
        continue;
      }
      COFFER_ASSIGN_OR_RETURN(size_t len, IdentCharLength(pos_));
      if (len == 0) break;
      pos_ += len;
    }
    if (pos_ == s) return Error(start, "'@' without a variable name");
    token.kind = TokenKind::kUserVar;
    token.text = std::string(sql_.substr(s, pos_ - s));
    return OkStatus();
  }

  Status ScanOperator(Token& token) {
    static constexpr std::string_view kLong[] = {
        "<=>", "<<", ">>", "<=", ">=", "<>", "!=", ":=", "||", "&&"};
    std::string_view rest = sql_.substr(pos_);
    if (rest.substr(0, 2) == "->") {
      return Error(pos_, "'->' is not MariaDB syntax");
    }
    for (std::string_view op : kLong) {
      if (rest.substr(0, op.size()) == op) {
        token.kind = TokenKind::kOperator;
        token.text = std::string(op);
        pos_ += op.size();
        return OkStatus();
      }
    }
    static constexpr std::string_view kShort = "=<>!~^&|+-*/%.,;(){}";
    char c = rest[0];
    if (kShort.find(c) == std::string_view::npos) {
      unsigned char uc = static_cast<unsigned char>(c);
      std::string what = "unexpected byte ";
      if (uc >= 0x20 && uc < 0x7F) {
        what += "'" + std::string(1, c) + "'";
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        what += "0x";
        what.push_back(kHex[uc >> 4]);
        what.push_back(kHex[uc & 0xF]);
      }
      return Error(pos_, what);
    }
    token.kind = TokenKind::kOperator;
    token.text = std::string(1, c);
    ++pos_;
    if (c == '.' && StartsIdentChar(pos_)) next_ = Next::kForcedIdent;
    return OkStatus();
  }

  std::string_view sql_;
  LexMode mode_;
  size_t pos_ = 0;
  Next next_ = Next::kAny;
  bool in_executable_comment_ = false;
  size_t exec_comment_start_ = 0;
};

}  // namespace

StatusOr<std::vector<Token>> Tokenize(std::string_view sql, LexMode mode) {
  return Lexer(sql, mode).Run();
}

std::string Position(std::string_view sql, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

std::string Describe(const Token& token) {
  auto clip = [](const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 40)) {
      unsigned char uc = static_cast<unsigned char>(c);
      out.push_back(uc >= 0x20 && uc < 0x7F ? c : '?');
    }
    return s.size() > 40 ? out + "..." : out;
  };
  switch (token.kind) {
    case TokenKind::kEnd: return "end of input";
    case TokenKind::kString:
    case TokenKind::kNationalString: return "string '" + clip(token.text) + "'";
    case TokenKind::kQuotedIdent: return "`" + clip(token.text) + "`";
    case TokenKind::kUserVar: return "@" + clip(token.text);
    case TokenKind::kSysVar: return "@@" + clip(token.text);
    case TokenKind::kVersionedComment: return "versioned comment";
    default: return "'" + clip(token.text) + "'";
  }
}

}  // namespace coffer::sql
