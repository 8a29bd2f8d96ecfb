// Expressions, with MariaDB's operator precedence (lowest first):
//   OR ||  <  XOR  <  AND &&  <  NOT  <  IS ...  <  comparisons  <
//   IN BETWEEN LIKE REGEXP SOUNDS LIKE  <  |  <  &  <  << >>  <  + -  <
//   * / % DIV MOD  <  ^  <  unary - + ~ ! BINARY  <  COLLATE  <  primary.
// `||` is kept as one operator whether the session reads it as OR or as
// concatenation (PIPES_AS_CONCAT): the guard treats both the same.
#include <utility>

#include "sql/keywords.h"
#include "sql/parser_internal.h"

namespace coffer::sql {
namespace {

ExprPtr MakeExpr(ExprKind kind, size_t offset) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->offset = offset;
  return e;
}

ExprPtr MakeOp(std::string op, size_t offset, ExprPtr a, ExprPtr b = nullptr) {
  ExprPtr e = MakeExpr(ExprKind::kOperator, offset);
  e->text = std::move(op);
  e->args.push_back(std::move(a));
  if (b) e->args.push_back(std::move(b));
  return e;
}

ExprPtr MakeLiteral(LiteralKind kind, std::string text, size_t offset) {
  ExprPtr e = MakeExpr(ExprKind::kLiteral, offset);
  e->literal = kind;
  e->text = std::move(text);
  return e;
}

}  // namespace

StatusOr<ExprPtr> Parser::ParseExpr() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  return ParseOr();
}

StatusOr<ExprPtr> Parser::ParseOr() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseXor());
  while (IsWord("OR") || IsOp("||")) {
    size_t offset = Peek().offset;
    std::string op = IsOp("||") ? "||" : "OR";
    Advance();
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseXor());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseXor() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAnd());
  while (IsWord("XOR")) {
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAnd());
    lhs = MakeOp("XOR", offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseAnd() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseNot());
  while (IsWord("AND") || IsOp("&&")) {
    std::string op = IsOp("&&") ? "&&" : "AND";
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseNot());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseNot() {
  if (IsWord("NOT")) {
    DepthGuard guard(*this);
    COFFER_RETURN_IF_ERROR(CheckDepth());
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
    return MakeOp("NOT", offset, std::move(operand));
  }
  return ParseIsTest();
}

StatusOr<ExprPtr> Parser::ParseIsTest() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseComparison());
  while (IsWord("IS")) {
    size_t offset = Advance().offset;
    std::string op = "IS ";
    if (AcceptWord("NOT")) op += "NOT ";
    const Token& t = Peek();
    if (!IsWord("NULL") && !IsWord("TRUE") && !IsWord("FALSE") &&
        !IsWord("UNKNOWN")) {
      return Unexpected("after IS");
    }
    op += t.upper;
    Advance();
    e = MakeOp(op, offset, std::move(e));
  }
  return e;
}

StatusOr<ExprPtr> Parser::ParseComparison() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParsePredicate());
  static constexpr std::string_view kOps[] = {"=",  "<=>", ">=", ">",
                                              "<=", "<",   "<>", "!="};
  while (true) {
    std::string op;
    for (std::string_view candidate : kOps) {
      if (IsOp(candidate)) op = std::string(candidate);
    }
    if (op.empty()) return lhs;
    size_t offset = Advance().offset;
    if ((IsWord("ANY") || IsWord("SOME") || IsWord("ALL")) && IsOp("(", 1)) {
      op += " " + Advance().upper;
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "after " + op));
      if (!StartsQuery()) return Unexpected("(expected a subquery)");
      ExprPtr sub = MakeExpr(ExprKind::kSubquery, Peek().offset);
      COFFER_ASSIGN_OR_RETURN(sub->query, ParseQuery());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a subquery"));
      lhs = MakeOp(op, offset, std::move(lhs), std::move(sub));
      continue;
    }
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParsePredicate());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
}

StatusOr<ExprPtr> Parser::ParsePredicate() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseBitOr());
  size_t offset = Peek().offset;
  bool negated = false;
  if (IsWord("NOT") &&
      (IsWord("IN", 1) || IsWord("BETWEEN", 1) || IsWord("LIKE", 1) ||
       IsWord("REGEXP", 1) || IsWord("RLIKE", 1))) {
    Advance();
    negated = true;
  }
  std::string prefix = negated ? "NOT " : "";
  if (AcceptWord("IN")) {
    ExprPtr e = MakeOp(prefix + "IN", offset, std::move(lhs));
    COFFER_RETURN_IF_ERROR(ExpectOp("(", "after IN"));
    if (StartsQuery()) {
      ExprPtr sub = MakeExpr(ExprKind::kSubquery, Peek().offset);
      COFFER_ASSIGN_OR_RETURN(sub->query, ParseQuery());
      e->args.push_back(std::move(sub));
    } else {
      do {
        COFFER_ASSIGN_OR_RETURN(ExprPtr item, ParseExpr());
        e->args.push_back(std::move(item));
      } while (AcceptOp(","));
    }
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after the IN list"));
    return e;
  }
  if (AcceptWord("BETWEEN")) {
    COFFER_ASSIGN_OR_RETURN(ExprPtr low, ParseBitOr());
    COFFER_RETURN_IF_ERROR(ExpectWord("AND", "in BETWEEN"));
    COFFER_ASSIGN_OR_RETURN(ExprPtr high, ParsePredicate());
    ExprPtr e =
        MakeOp(prefix + "BETWEEN", offset, std::move(lhs), std::move(low));
    e->args.push_back(std::move(high));
    return e;
  }
  if (AcceptWord("LIKE")) {
    COFFER_ASSIGN_OR_RETURN(ExprPtr pattern, ParseBitOr());
    ExprPtr e =
        MakeOp(prefix + "LIKE", offset, std::move(lhs), std::move(pattern));
    if (AcceptWord("ESCAPE")) {
      COFFER_ASSIGN_OR_RETURN(ExprPtr escape, ParseUnary());
      e->args.push_back(std::move(escape));
    }
    return e;
  }
  if (IsWord("REGEXP") || IsWord("RLIKE")) {
    std::string op = prefix + Advance().upper;
    COFFER_ASSIGN_OR_RETURN(ExprPtr pattern, ParseBitOr());
    return MakeOp(op, offset, std::move(lhs), std::move(pattern));
  }
  if (!negated && IsWord("SOUNDS") && IsWord("LIKE", 1)) {
    Advance();
    Advance();
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseBitOr());
    return MakeOp("SOUNDS LIKE", offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseBitOr() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseBitAnd());
  while (IsOp("|")) {
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseBitAnd());
    lhs = MakeOp("|", offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseBitAnd() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseShift());
  while (IsOp("&")) {
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseShift());
    lhs = MakeOp("&", offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseShift() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAdditive());
  while (IsOp("<<") || IsOp(">>")) {
    std::string op = Peek().text;
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAdditive());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseAdditive() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseMultiplicative());
  while (IsOp("+") || IsOp("-")) {
    std::string op = Peek().text;
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMultiplicative());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseMultiplicative() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseBitXor());
  while (IsOp("*") || IsOp("/") || IsOp("%") || IsWord("DIV") ||
         (IsWord("MOD") && !IsOp("(", 1))) {
    const Token& t = Peek();
    std::string op = t.kind == TokenKind::kWord ? t.upper : t.text;
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseBitXor());
    lhs = MakeOp(op, offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseBitXor() {
  COFFER_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
  while (IsOp("^")) {
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseUnary());
    lhs = MakeOp("^", offset, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

StatusOr<ExprPtr> Parser::ParseUnary() {
  if (IsOp("-") || IsOp("+") || IsOp("~") || IsOp("!") || IsWord("BINARY")) {
    DepthGuard guard(*this);
    COFFER_RETURN_IF_ERROR(CheckDepth());
    const Token& t = Peek();
    std::string op = t.kind == TokenKind::kWord ? t.upper : t.text;
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary());
    return MakeOp(op, offset, std::move(operand));
  }
  COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary());
  while (IsWord("COLLATE")) {
    size_t offset = Advance().offset;
    COFFER_ASSIGN_OR_RETURN(std::string collation,
                            ParseNameOrString("after COLLATE"));
    e = MakeOp("COLLATE", offset, std::move(e));
    e->names.push_back(std::move(collation));
  }
  return e;
}

StatusOr<ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  size_t offset = t.offset;
  switch (t.kind) {
    case TokenKind::kString: {
      COFFER_ASSIGN_OR_RETURN(std::string s, ParseStringLiteral("string"));
      return MakeLiteral(LiteralKind::kString, std::move(s), offset);
    }
    case TokenKind::kNationalString: {
      std::string s = Advance().text;
      while (Peek().kind == TokenKind::kString) s += Advance().text;
      return MakeLiteral(LiteralKind::kString, std::move(s), offset);
    }
    case TokenKind::kHexString:
      return MakeLiteral(LiteralKind::kHex, Advance().text, offset);
    case TokenKind::kBitString:
      return MakeLiteral(LiteralKind::kBits, Advance().text, offset);
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
    case TokenKind::kFloat:
      return MakeLiteral(LiteralKind::kNumber, Advance().text, offset);
    case TokenKind::kPlaceholder:
      Advance();
      return MakeExpr(ExprKind::kPlaceholder, offset);
    case TokenKind::kUserVar: {
      ExprPtr var = MakeExpr(ExprKind::kUserVar, offset);
      var->text = Advance().text;
      if (IsOp(":=")) {
        size_t op_offset = Advance().offset;
        COFFER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpr());
        return MakeOp(":=", op_offset, std::move(var), std::move(value));
      }
      return var;
    }
    case TokenKind::kSysVar: {
      ExprPtr var = MakeExpr(ExprKind::kSysVar, offset);
      var->text = Advance().text;
      return var;
    }
    case TokenKind::kWord:
    case TokenKind::kQuotedIdent: return ParseWordExpr();
    case TokenKind::kOperator:
      if (IsOp("(")) return ParseParenthesized();
      if (IsOp("{")) {
        // An ODBC escape, `{ident expr}`: the server keeps expr itself (a
        // string after d, t or ts becomes a temporal literal), so
        // `ORDER BY {x 1}` is the position 1, as `ORDER BY 1` is.
        Advance();
        if (Peek().kind != TokenKind::kWord) return Unexpected("after '{'");
        Advance();
        COFFER_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr());
        COFFER_RETURN_IF_ERROR(ExpectOp("}", "in an ODBC escape"));
        return inner;
      }
      return Unexpected("in an expression");
    default: return Unexpected("in an expression");
  }
}

bool Parser::StartsQuery(size_t k) const {
  return IsWord("SELECT", k) || IsWord("WITH", k);
}

StatusOr<ExprPtr> Parser::ParseParenthesized() {
  size_t offset = Advance().offset;  // '('
  if (StartsQuery()) {
    ExprPtr sub = MakeExpr(ExprKind::kSubquery, offset);
    COFFER_ASSIGN_OR_RETURN(sub->query, ParseQuery());
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a subquery"));
    return sub;
  }
  COFFER_ASSIGN_OR_RETURN(ExprPtr first, ParseExpr());
  if (first->kind == ExprKind::kSubquery && first->parens == 0 &&
      (IsWord("UNION") || IsWord("EXCEPT") || IsWord("INTERSECT") ||
       IsWord("ORDER") || IsWord("LIMIT"))) {
    ExprPtr sub = MakeExpr(ExprKind::kSubquery, offset);
    COFFER_ASSIGN_OR_RETURN(sub->query,
                            ParseQueryAfterFirstTerm(std::move(first->query)));
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a subquery"));
    return sub;
  }
  if (IsOp(",")) {
    ExprPtr row = MakeExpr(ExprKind::kRow, offset);
    row->args.push_back(std::move(first));
    while (AcceptOp(",")) {
      COFFER_ASSIGN_OR_RETURN(ExprPtr item, ParseExpr());
      row->args.push_back(std::move(item));
    }
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a row constructor"));
    return row;
  }
  COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a parenthesised expression"));
  ++first->parens;
  return first;
}

StatusOr<ExprPtr> Parser::ParseWordExpr() {
  const Token& t = Peek();
  size_t offset = t.offset;
  if (t.kind == TokenKind::kWord && !t.after_ident_dot) {
    const std::string& u = t.upper;
    if (u == "NULL") {
      Advance();
      return MakeLiteral(LiteralKind::kNull, "NULL", offset);
    }
    if (u == "TRUE" || u == "FALSE") {
      Advance();
      return MakeLiteral(LiteralKind::kBool, u, offset);
    }
    if ((u == "DATE" || u == "TIME" || u == "TIMESTAMP") &&
        Peek(1).kind == TokenKind::kString) {
      Advance();
      COFFER_ASSIGN_OR_RETURN(std::string s, ParseStringLiteral("literal"));
      return MakeLiteral(LiteralKind::kTemporal, std::move(s), offset);
    }
    if (u.size() > 1 && u[0] == '_' && IsCharsetName(u.substr(1)) &&
        (Peek(1).kind == TokenKind::kString ||
         Peek(1).kind == TokenKind::kHexString ||
         Peek(1).kind == TokenKind::kBitString)) {
      Advance();  // character set introducer
      return ParsePrimary();
    }
    if (u == "CASE") return ParseCase();
    if (u == "CAST" && IsOp("(", 1)) return ParseCast(false);
    if (u == "CONVERT" && IsOp("(", 1)) return ParseCast(true);
    if (u == "INTERVAL") return ParseInterval();
    if (u == "MATCH") return ParseMatch();
    if (u == "EXISTS") {
      Advance();
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "after EXISTS"));
      if (!StartsQuery()) return Unexpected("(expected a subquery)");
      ExprPtr e = MakeExpr(ExprKind::kExists, offset);
      COFFER_ASSIGN_OR_RETURN(e->query, ParseQuery());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a subquery"));
      return e;
    }
    if (u == "ROW" && IsOp("(", 1)) {
      Advance();
      ExprPtr row = MakeExpr(ExprKind::kRow, offset);
      COFFER_ASSIGN_OR_RETURN(row->args, ParseExprList("in ROW"));
      return row;
    }
    if (u == "DEFAULT" && !IsOp("(", 1)) {
      Advance();
      return MakeExpr(ExprKind::kDefault, offset);
    }
    if ((u == "NEXT" || u == "PREVIOUS") && IsWord("VALUE", 1) &&
        IsWord("FOR", 2)) {
      pos_ += 3;
      ExprPtr call = MakeExpr(ExprKind::kFunction, offset);
      call->text = u == "NEXT" ? "NEXTVAL" : "LASTVAL";
      call->names.push_back(call->text);
      ExprPtr seq = MakeExpr(ExprKind::kLiteral, Peek().offset);
      seq->literal = LiteralKind::kString;
      COFFER_ASSIGN_OR_RETURN(seq->names,
                              ParseQualifiedName("(expected a sequence)", 2));
      call->args.push_back(std::move(seq));
      return call;
    }
    if (IsReserved(u)) {
      if (IsFunctionKeyword(u) && IsOp("(", 1)) {
        Advance();
        return ParseFunctionCall({t.text}, offset);
      }
      if (IsNiladicKeyword(u)) {
        Advance();
        ExprPtr call = MakeExpr(ExprKind::kFunction, offset);
        call->text = u;
        call->names.push_back(u);
        return call;
      }
      return Unexpected("in an expression");
    }
  }
  // [db.][table.]column, or [db.]function(
  std::vector<std::string> names;
  names.push_back(Advance().text);
  while (IsOp(".")) {
    const Token& next = Peek(1);
    if (next.kind != TokenKind::kWord && next.kind != TokenKind::kQuotedIdent) {
      if (IsOp("*", 1)) return Unexpected("('*' is not allowed here)");
      return Unexpected("in a qualified name");
    }
    if (names.size() == 3) return Unexpected("in a qualified name");
    Advance();
    names.push_back(Advance().text);
  }
  if (IsOp("(")) return ParseFunctionCall(std::move(names), offset);
  ExprPtr column = MakeExpr(ExprKind::kColumn, offset);
  column->names = std::move(names);
  column->text = column->names.back();
  return column;
}

StatusOr<ExprPtr> Parser::ParseFunctionCall(std::vector<std::string> names,
                                            size_t offset) {
  if (names.size() > 2) return ErrorAt(offset, "function name has 3 parts");
  ExprPtr call = MakeExpr(ExprKind::kFunction, offset);
  call->text = names.back();
  for (char& c : call->text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  call->names = std::move(names);
  COFFER_RETURN_IF_ERROR(ExpectOp("(", "in a function call"));
  COFFER_RETURN_IF_ERROR(ParseFunctionArgs(*call));
  COFFER_RETURN_IF_ERROR(ExpectOp(")", "after function arguments"));
  if (IsWord("WITHIN") && IsWord("GROUP", 1)) {
    pos_ += 2;
    COFFER_RETURN_IF_ERROR(ExpectOp("(", "after WITHIN GROUP"));
    COFFER_RETURN_IF_ERROR(ExpectWord("ORDER", "in WITHIN GROUP"));
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "in WITHIN GROUP"));
    COFFER_ASSIGN_OR_RETURN(call->order_by, ParseOrderList());
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after WITHIN GROUP"));
  }
  COFFER_RETURN_IF_ERROR(ParseOver(*call));
  return call;
}

StatusOr<ExprPtr> Parser::ParseCase() {
  size_t offset = Advance().offset;  // CASE
  ExprPtr e = MakeExpr(ExprKind::kCase, offset);
  if (!IsWord("WHEN")) {
    e->has_operand = true;
    COFFER_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
    e->args.push_back(std::move(operand));
  }
  if (!IsWord("WHEN")) return Unexpected("(expected WHEN) in CASE");
  while (AcceptWord("WHEN")) {
    COFFER_ASSIGN_OR_RETURN(ExprPtr when, ParseExpr());
    COFFER_RETURN_IF_ERROR(ExpectWord("THEN", "in CASE"));
    COFFER_ASSIGN_OR_RETURN(ExprPtr then, ParseExpr());
    e->args.push_back(std::move(when));
    e->args.push_back(std::move(then));
  }
  if (AcceptWord("ELSE")) {
    e->has_else = true;
    COFFER_ASSIGN_OR_RETURN(ExprPtr other, ParseExpr());
    e->args.push_back(std::move(other));
  }
  COFFER_RETURN_IF_ERROR(ExpectWord("END", "in CASE"));
  return e;
}

StatusOr<ExprPtr> Parser::ParseCast(bool convert) {
  size_t offset = Advance().offset;
  ExprPtr e = MakeExpr(ExprKind::kCast, offset);
  e->names.push_back(convert ? "CONVERT" : "CAST");
  COFFER_RETURN_IF_ERROR(ExpectOp("(", "after CAST"));
  COFFER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpr());
  e->args.push_back(std::move(value));
  if (convert && AcceptWord("USING")) {
    COFFER_ASSIGN_OR_RETURN(e->text, ParseNameOrString("after USING"));
  } else {
    if (convert) {
      COFFER_RETURN_IF_ERROR(ExpectOp(",", "in CONVERT"));
    } else {
      COFFER_RETURN_IF_ERROR(ExpectWord("AS", "in CAST"));
    }
    COFFER_ASSIGN_OR_RETURN(e->text, ParseTypeName("in CAST"));
  }
  COFFER_RETURN_IF_ERROR(ExpectOp(")", "after CAST"));
  return e;
}

StatusOr<std::string> Parser::ParseTypeName(std::string_view context) {
  if (Peek().kind != TokenKind::kWord) return Unexpected(context);
  std::string type = Advance().upper;
  while (IsWord("PRECISION") || IsWord("VARYING") || IsWord("INTEGER") ||
         IsWord("INT")) {
    type += " " + Advance().upper;
  }
  if (IsOp("(")) {
    COFFER_ASSIGN_OR_RETURN(std::string args, SkipParenGroup(context));
    type += args;
  }
  while (true) {
    if (IsWord("UNSIGNED") || IsWord("SIGNED") || IsWord("ZEROFILL") ||
        IsWord("ASCII") || IsWord("UNICODE") || IsWord("BYTE") ||
        IsWord("BINARY")) {
      type += " " + Advance().upper;
    } else if ((IsWord("CHARACTER") && IsWord("SET", 1)) || IsWord("CHARSET") ||
               IsWord("COLLATE")) {
      if (AcceptWord("CHARACTER"))
        Advance();
      else
        Advance();
      COFFER_ASSIGN_OR_RETURN(std::string name, ParseNameOrString(context));
      type += " " + name;
    } else {
      return type;
    }
  }
}

StatusOr<ExprPtr> Parser::ParseInterval() {
  size_t offset = Advance().offset;  // INTERVAL
  ExprPtr e = MakeExpr(ExprKind::kInterval, offset);
  if (IsOp("(")) {
    COFFER_ASSIGN_OR_RETURN(std::vector<ExprPtr> list,
                            ParseExprList("in INTERVAL"));
    if (list.size() == 1 && Peek().kind == TokenKind::kWord &&
        IsTimeUnit(Peek().upper)) {
      e->text = Advance().upper;
      e->args = std::move(list);
      return e;
    }
    e->kind = ExprKind::kFunction;
    e->text = "INTERVAL";
    e->names.push_back("INTERVAL");
    e->args = std::move(list);
    return e;
  }
  COFFER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpr());
  if (Peek().kind != TokenKind::kWord || !IsTimeUnit(Peek().upper)) {
    return Unexpected("(expected a unit) after INTERVAL");
  }
  e->text = Advance().upper;
  e->args.push_back(std::move(value));
  return e;
}

StatusOr<ExprPtr> Parser::ParseMatch() {
  size_t offset = Advance().offset;  // MATCH
  ExprPtr e = MakeExpr(ExprKind::kMatch, offset);
  COFFER_ASSIGN_OR_RETURN(e->args, ParseExprList("after MATCH"));
  COFFER_RETURN_IF_ERROR(ExpectWord("AGAINST", "after MATCH (...)"));
  COFFER_RETURN_IF_ERROR(ExpectOp("(", "after AGAINST"));
  COFFER_ASSIGN_OR_RETURN(e->against, ParseBitOr());
  if (AcceptWord("IN")) {
    if (AcceptWord("NATURAL")) {
      COFFER_RETURN_IF_ERROR(ExpectWord("LANGUAGE", "in AGAINST"));
    } else {
      COFFER_RETURN_IF_ERROR(ExpectWord("BOOLEAN", "in AGAINST"));
    }
    COFFER_RETURN_IF_ERROR(ExpectWord("MODE", "in AGAINST"));
  }
  if (AcceptWord("WITH")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("QUERY", "in AGAINST"));
    COFFER_RETURN_IF_ERROR(ExpectWord("EXPANSION", "in AGAINST"));
  }
  COFFER_RETURN_IF_ERROR(ExpectOp(")", "after AGAINST"));
  return e;
}

StatusOr<std::vector<ExprPtr>> Parser::ParseExprList(std::string_view context) {
  COFFER_RETURN_IF_ERROR(ExpectOp("(", context));
  std::vector<ExprPtr> list;
  do {
    COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
    list.push_back(std::move(e));
  } while (AcceptOp(","));
  COFFER_RETURN_IF_ERROR(ExpectOp(")", context));
  return list;
}

StatusOr<std::vector<OrderItem>> Parser::ParseOrderList() {
  std::vector<OrderItem> items;
  do {
    OrderItem item;
    COFFER_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    if (AcceptWord("DESC")) {
      item.descending = true;
    } else {
      AcceptWord("ASC");
    }
    items.push_back(std::move(item));
  } while (AcceptOp(","));
  return items;
}

StatusOr<ExprPtr> Parser::ParseLimitValue() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kInteger) {
    return MakeLiteral(LiteralKind::kNumber, Advance().text, t.offset);
  }
  if (t.kind == TokenKind::kPlaceholder) {
    Advance();
    return MakeExpr(ExprKind::kPlaceholder, t.offset);
  }
  if (IsIdentifier() && !IsWord("ROWS") && !IsWord("OFFSET")) {
    ExprPtr e = MakeExpr(ExprKind::kColumn, t.offset);
    e->text = Advance().text;
    e->names.push_back(e->text);
    return e;
  }
  return Unexpected("in LIMIT");
}

}  // namespace coffer::sql
