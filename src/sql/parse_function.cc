// Function-call arguments, including the special syntaxes (COUNT(*),
// TRIM(... FROM ...), SUBSTRING(... FROM ... FOR ...), EXTRACT, POSITION,
// GROUP_CONCAT(... ORDER BY ... SEPARATOR ...)), and window specifications.
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

ExprPtr MakeLiteral(LiteralKind kind, std::string text, size_t offset) {
  ExprPtr e = MakeExpr(ExprKind::kLiteral, offset);
  e->literal = kind;
  e->text = std::move(text);
  return e;
}

bool IsAggregateWithOrder(std::string_view name) {
  return name == "GROUP_CONCAT" || name == "JSON_ARRAYAGG";
}

}  // namespace

Status Parser::ParseFunctionArgs(Expr& call) {
  const std::string& name = call.names.size() == 1 ? call.text : "";
  if (IsOp(")")) return OkStatus();
  if (name == "COUNT" && IsOp("*")) {
    call.args.push_back(MakeExpr(ExprKind::kStar, Advance().offset));
    return OkStatus();
  }
  if (AcceptWord("DISTINCT") || AcceptWord("DISTINCTROW")) {
    call.distinct = true;
  } else {
    AcceptWord("ALL");
  }
  auto push = [&](StatusOr<ExprPtr> e) -> Status {
    if (!e.ok()) return e.status();
    call.args.push_back(std::move(e).value());
    return OkStatus();
  };
  if (name == "TRIM") {
    if (IsWord("LEADING") || IsWord("TRAILING") || IsWord("BOTH")) {
      call.args.push_back(
          MakeLiteral(LiteralKind::kString, Peek().upper, Peek().offset));
      Advance();
      if (AcceptWord("FROM")) return push(ParseExpr());
    }
    COFFER_RETURN_IF_ERROR(push(ParseExpr()));
    if (AcceptWord("FROM")) return push(ParseExpr());
    return OkStatus();
  }
  if (name == "SUBSTRING" || name == "SUBSTR" || name == "MID") {
    COFFER_RETURN_IF_ERROR(push(ParseExpr()));
    if (AcceptWord("FROM")) {
      COFFER_RETURN_IF_ERROR(push(ParseExpr()));
      if (AcceptWord("FOR")) return push(ParseExpr());
      return OkStatus();
    }
    while (AcceptOp(",")) COFFER_RETURN_IF_ERROR(push(ParseExpr()));
    return OkStatus();
  }
  if (name == "EXTRACT") {
    if (Peek().kind != TokenKind::kWord || !IsTimeUnit(Peek().upper)) {
      return Unexpected("(expected a unit) in EXTRACT");
    }
    call.args.push_back(
        MakeLiteral(LiteralKind::kString, Peek().upper, Peek().offset));
    Advance();
    COFFER_RETURN_IF_ERROR(ExpectWord("FROM", "in EXTRACT"));
    return push(ParseExpr());
  }
  if (name == "POSITION") {
    COFFER_RETURN_IF_ERROR(push(ParseBitOr()));
    COFFER_RETURN_IF_ERROR(ExpectWord("IN", "in POSITION"));
    return push(ParseExpr());
  }
  if ((name == "TIMESTAMPADD" || name == "TIMESTAMPDIFF" ||
       name == "GET_FORMAT") &&
      Peek().kind == TokenKind::kWord && IsOp(",", 1)) {
    call.args.push_back(
        MakeLiteral(LiteralKind::kString, Peek().upper, Peek().offset));
    Advance();
    Advance();
  }
  do {
    COFFER_RETURN_IF_ERROR(push(ParseExpr()));
  } while (AcceptOp(","));
  if (name == "CHAR" && AcceptWord("USING")) {
    COFFER_ASSIGN_OR_RETURN(std::string cs, ParseNameOrString("after USING"));
    (void)cs;
  }
  if (name == "WEIGHT_STRING" && AcceptWord("AS")) {
    COFFER_ASSIGN_OR_RETURN(std::string type,
                            ParseTypeName("in WEIGHT_STRING"));
    (void)type;
  }
  if (IsAggregateWithOrder(name) && IsWord("ORDER")) {
    Advance();
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after ORDER"));
    COFFER_ASSIGN_OR_RETURN(call.order_by, ParseOrderList());
  }
  if (name == "GROUP_CONCAT" && AcceptWord("SEPARATOR")) {
    COFFER_ASSIGN_OR_RETURN(std::string sep, ParseStringLiteral("SEPARATOR"));
    (void)sep;
  }
  if (IsAggregateWithOrder(name) && IsWord("LIMIT")) {
    Limit limit;
    COFFER_RETURN_IF_ERROR(ParseLimit(limit));
    if (limit.count) call.args.push_back(std::move(limit.count));
    if (limit.offset) call.args.push_back(std::move(limit.offset));
  }
  return OkStatus();
}

Status Parser::ParseOver(Expr& call) {
  if (!AcceptWord("OVER")) return OkStatus();
  call.window = std::make_unique<WindowSpec>();
  if (IsOp("(")) return ParseWindowSpec(*call.window);
  COFFER_ASSIGN_OR_RETURN(call.window->base_name,
                          ParseIdentifier("after OVER"));
  return OkStatus();
}

Status Parser::ParseWindowSpec(WindowSpec& spec) {
  COFFER_RETURN_IF_ERROR(ExpectOp("(", "in a window specification"));
  if (IsIdentifier() && !IsWord("PARTITION") && !IsWord("ORDER") &&
      !IsWord("ROWS") && !IsWord("RANGE")) {
    spec.base_name = Advance().text;
  }
  if (AcceptWord("PARTITION")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after PARTITION"));
    do {
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      spec.partition_by.push_back(std::move(e));
    } while (AcceptOp(","));
  }
  if (AcceptWord("ORDER")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after ORDER"));
    COFFER_ASSIGN_OR_RETURN(spec.order_by, ParseOrderList());
  }
  if (AcceptWord("ROWS") || AcceptWord("RANGE")) {
    bool between = AcceptWord("BETWEEN");
    for (int bound = 0; bound < (between ? 2 : 1); ++bound) {
      if (bound == 1) COFFER_RETURN_IF_ERROR(ExpectWord("AND", "in a frame"));
      if (AcceptWord("UNBOUNDED")) {
        if (!AcceptWord("PRECEDING") && !AcceptWord("FOLLOWING")) {
          return Unexpected("after UNBOUNDED");
        }
      } else if (AcceptWord("CURRENT")) {
        COFFER_RETURN_IF_ERROR(ExpectWord("ROW", "after CURRENT"));
      } else {
        COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseBitOr());
        spec.frame_bounds.push_back(std::move(e));
        if (!AcceptWord("PRECEDING") && !AcceptWord("FOLLOWING")) {
          return Unexpected("in a window frame");
        }
      }
    }
    if (AcceptWord("EXCLUDE")) {
      if (AcceptWord("CURRENT")) {
        COFFER_RETURN_IF_ERROR(ExpectWord("ROW", "after EXCLUDE CURRENT"));
      } else if (AcceptWord("NO")) {
        COFFER_RETURN_IF_ERROR(ExpectWord("OTHERS", "after EXCLUDE NO"));
      } else if (!AcceptWord("GROUP") && !AcceptWord("TIES")) {
        return Unexpected("after EXCLUDE");
      }
    }
  }
  return ExpectOp(")", "after a window specification");
}

}  // namespace coffer::sql
