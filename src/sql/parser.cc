#include "sql/parser.h"

#include <utility>

#include "sql/keywords.h"
#include "sql/parser_internal.h"

namespace coffer::sql {

StatusOr<std::vector<Statement>> Parse(std::string_view sql, LexMode mode) {
  if (sql.size() > kMaxSqlBytes) {
    return ResourceExhaustedError(
        "sql: statement text of " + std::to_string(sql.size()) +
        " bytes is over the limit of " + std::to_string(kMaxSqlBytes));
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql, mode));
  Parser parser(sql, std::move(tokens));
  return parser.ParseAll();
}

StatusOr<std::vector<Statement>> Parser::ParseAll() {
  std::vector<Statement> statements;
  while (true) {
    while (AcceptOp(";")) {
    }
    if (Peek().kind == TokenKind::kEnd) break;
    COFFER_ASSIGN_OR_RETURN(Statement stmt, ParseStatement());
    stmt.end_offset =
        pos_ > 0 ? tokens_[pos_ - 1].offset + tokens_[pos_ - 1].length : 0;
    statements.push_back(std::move(stmt));
    if (Peek().kind == TokenKind::kEnd) break;
    if (!IsOp(";")) return Unexpected("at the end of a statement");
  }
  if (statements.empty()) {
    return InvalidArgumentError("sql: 1:1: empty statement");
  }
  return statements;
}

Status Parser::CheckDepth() const {
  if (depth_ > kMaxDepth) {
    return ResourceExhaustedError("sql: " + Position(sql_, Peek().offset) +
                                  ": nested deeper than " +
                                  std::to_string(kMaxDepth) + " levels");
  }
  return OkStatus();
}

const Token& Parser::Peek(size_t k) const {
  size_t i = pos_ + k;
  return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

const Token& Parser::Advance() {
  const Token& t = Peek();
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool Parser::AtEnd() const {
  return Peek().kind == TokenKind::kEnd || IsOp(";");
}

bool Parser::IsWord(std::string_view upper, size_t k) const {
  const Token& t = Peek(k);
  return t.kind == TokenKind::kWord && !t.after_ident_dot && t.upper == upper;
}

bool Parser::IsOp(std::string_view op, size_t k) const {
  const Token& t = Peek(k);
  return t.kind == TokenKind::kOperator && t.text == op;
}

bool Parser::AcceptWord(std::string_view upper) {
  if (!IsWord(upper)) return false;
  Advance();
  return true;
}

bool Parser::AcceptOp(std::string_view op) {
  if (!IsOp(op)) return false;
  Advance();
  return true;
}

Status Parser::ExpectWord(std::string_view upper, std::string_view context) {
  if (AcceptWord(upper)) return OkStatus();
  return Unexpected(std::string("(expected ") + std::string(upper) + ") " +
                    std::string(context));
}

Status Parser::ExpectOp(std::string_view op, std::string_view context) {
  if (AcceptOp(op)) return OkStatus();
  return Unexpected(std::string("(expected '") + std::string(op) + "') " +
                    std::string(context));
}

Status Parser::ErrorAt(size_t offset, std::string_view what) const {
  return InvalidArgumentError("sql: " + Position(sql_, offset) + ": " +
                              std::string(what));
}

Status Parser::Unexpected(std::string_view context) const {
  const Token& t = Peek();
  if (t.kind == TokenKind::kVersionedComment) {
    return ErrorAt(t.offset,
                   "versioned executable comment: whether the server runs "
                   "it depends on its version");
  }
  return ErrorAt(t.offset,
                 "unexpected " + Describe(t) + " " + std::string(context));
}

Status Parser::Unsupported(std::string_view what) const {
  return UnimplementedError("sql: " + Position(sql_, Peek().offset) +
                            ": unsupported " + std::string(what));
}

bool Parser::IsIdentifier(size_t k) const {
  const Token& t = Peek(k);
  if (t.kind == TokenKind::kQuotedIdent) return true;
  return t.kind == TokenKind::kWord &&
         (t.after_ident_dot || !IsReserved(t.upper));
}

StatusOr<std::string> Parser::ParseIdentifier(std::string_view context) {
  if (!IsIdentifier()) return Unexpected(context);
  return Advance().text;
}

StatusOr<std::vector<std::string>> Parser::ParseQualifiedName(
    std::string_view context, size_t max_parts) {
  std::vector<std::string> parts;
  COFFER_ASSIGN_OR_RETURN(std::string first, ParseIdentifier(context));
  parts.push_back(std::move(first));
  while (IsOp(".") && parts.size() < max_parts) {
    Advance();
    const Token& t = Peek();
    if (t.kind != TokenKind::kWord && t.kind != TokenKind::kQuotedIdent) {
      return Unexpected(context);
    }
    parts.push_back(Advance().text);
  }
  return parts;
}

StatusOr<std::vector<std::string>> Parser::ParseIdentifierList(
    std::string_view context) {
  COFFER_RETURN_IF_ERROR(ExpectOp("(", context));
  std::vector<std::string> names;
  do {
    COFFER_ASSIGN_OR_RETURN(std::string name, ParseIdentifier(context));
    names.push_back(std::move(name));
  } while (AcceptOp(","));
  COFFER_RETURN_IF_ERROR(ExpectOp(")", context));
  return names;
}

StatusOr<std::string> Parser::ParseStringLiteral(std::string_view context) {
  if (Peek().kind != TokenKind::kString) return Unexpected(context);
  std::string value = Advance().text;
  while (Peek().kind == TokenKind::kString) value += Advance().text;
  return value;
}

StatusOr<std::string> Parser::ParseNameOrString(std::string_view context) {
  const Token& t = Peek();
  if (t.kind == TokenKind::kString) return ParseStringLiteral(context);
  if (t.kind == TokenKind::kWord || t.kind == TokenKind::kQuotedIdent) {
    return Advance().text;
  }
  return Unexpected(context);
}

StatusOr<std::string> Parser::SkipParenGroup(std::string_view context) {
  size_t start = Peek().offset;
  COFFER_RETURN_IF_ERROR(ExpectOp("(", context));
  int level = 1;
  while (level > 0) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd) return Unexpected(context);
    if (t.kind == TokenKind::kVersionedComment) return Unexpected(context);
    if (IsOp("(")) ++level;
    if (IsOp(")")) --level;
    if (level > kMaxDepth) {
      return ResourceExhaustedError("sql: " + Position(sql_, t.offset) +
                                    ": nested deeper than " +
                                    std::to_string(kMaxDepth) + " levels");
    }
    Advance();
  }
  const Token& last = tokens_[pos_ - 1];
  return std::string(sql_.substr(start, last.offset + 1 - start));
}

}  // namespace coffer::sql
