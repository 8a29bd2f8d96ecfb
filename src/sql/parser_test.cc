#include "sql/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::sql {
namespace {

using ::testing::HasSubstr;

constexpr LexMode kDefault{};

// A compact rendering of an expression tree, to check precedence.
std::string Show(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral: return e.text;
    case ExprKind::kColumn: {
      std::string out;
      for (const std::string& n : e.names) out += (out.empty() ? "" : ".") + n;
      return out;
    }
    case ExprKind::kUserVar: return "@" + e.text;
    case ExprKind::kSysVar: return "@@" + e.text;
    case ExprKind::kPlaceholder: return "?";
    case ExprKind::kStar: return "*";
    case ExprKind::kDefault: return "DEFAULT";
    case ExprKind::kSubquery: return "(subquery)";
    case ExprKind::kExists: return "EXISTS(subquery)";
    default: break;
  }
  std::string out = "(";
  if (e.kind == ExprKind::kOperator || e.kind == ExprKind::kFunction ||
      e.kind == ExprKind::kInterval) {
    out += e.text;
  } else if (e.kind == ExprKind::kCase) {
    out += "CASE";
  } else if (e.kind == ExprKind::kCast) {
    out += e.names[0] + ":" + e.text;
  } else if (e.kind == ExprKind::kRow) {
    out += "ROW";
  } else if (e.kind == ExprKind::kMatch) {
    out += "MATCH";
  }
  for (const ExprPtr& a : e.args) out += " " + Show(*a);
  return out + ")";
}

std::string FirstItem(std::string_view sql) {
  auto parsed = Parse(sql, kDefault);
  if (!parsed.ok()) return "error: " + parsed.status().message();
  const Statement& s = (*parsed)[0];
  if (s.kind != StatementKind::kSelect) return "not a select";
  const SelectCore& core = *s.query->terms[0].select;
  return Show(*core.items[0].expr);
}

TEST(ParserTest, OperatorPrecedence) {
  EXPECT_EQ(FirstItem("SELECT 1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(FirstItem("SELECT a OR b AND c"), "(OR a (AND b c))");
  EXPECT_EQ(FirstItem("SELECT a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(FirstItem("SELECT NOT a = b"), "(NOT (= a b))");
  EXPECT_EQ(FirstItem("SELECT !a = b"), "(= (! a) b)");
  EXPECT_EQ(FirstItem("SELECT a XOR b OR c"), "(OR (XOR a b) c)");
  EXPECT_EQ(FirstItem("SELECT a | b & c"), "(| a (& b c))");
  EXPECT_EQ(FirstItem("SELECT a & b << c"), "(& a (<< b c))");
  EXPECT_EQ(FirstItem("SELECT a << b + c"), "(<< a (+ b c))");
  EXPECT_EQ(FirstItem("SELECT a + b DIV c"), "(+ a (DIV b c))");
  EXPECT_EQ(FirstItem("SELECT a * b ^ c"), "(* a (^ b c))");
  EXPECT_EQ(FirstItem("SELECT -a ^ b"), "(^ (- a) b)");
  EXPECT_EQ(FirstItem("SELECT a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(FirstItem("SELECT a = b IS NULL"), "(IS NULL (= a b))");
  EXPECT_EQ(FirstItem("SELECT a IS NOT TRUE"), "(IS NOT TRUE a)");
  EXPECT_EQ(FirstItem("SELECT a BETWEEN 1 AND 2 AND c"),
            "(AND (BETWEEN a 1 2) c)");
  EXPECT_EQ(FirstItem("SELECT a NOT LIKE 'x%' ESCAPE '!'"),
            "(NOT LIKE a x% !)");
  EXPECT_EQ(FirstItem("SELECT a IN (1, 2) = b"), "(= (IN a 1 2) b)");
  EXPECT_EQ(FirstItem("SELECT a NOT IN (SELECT b FROM t)"),
            "(NOT IN a (subquery))");
  EXPECT_EQ(FirstItem("SELECT a SOUNDS LIKE b"), "(SOUNDS LIKE a b)");
  EXPECT_EQ(FirstItem("SELECT a RLIKE 'x'"), "(RLIKE a x)");
  EXPECT_EQ(FirstItem("SELECT a = ANY (SELECT b FROM t)"),
            "(= ANY a (subquery))");
  EXPECT_EQ(FirstItem("SELECT -a COLLATE utf8mb4_bin"), "(- (COLLATE a))");
  EXPECT_EQ(FirstItem("SELECT BINARY a = b"), "(= (BINARY a) b)");
  EXPECT_EQ(FirstItem("SELECT @a := 1 + 2"), "(:= @a (+ 1 2))");
  EXPECT_EQ(FirstItem("SELECT d + INTERVAL 1 DAY"), "(+ d (DAY 1))");
  EXPECT_EQ(FirstItem("SELECT (a, b) = ROW(1, 2)"), "(= (ROW a b) (ROW 1 2))");
  EXPECT_EQ(FirstItem("SELECT ~a"), "(~ a)");
  EXPECT_EQ(FirstItem("SELECT 'a' 'b' \"c\""), "abc");
}

TEST(ParserTest, SpecialFunctionSyntax) {
  EXPECT_EQ(FirstItem("SELECT COUNT(*)"), "(COUNT *)");
  EXPECT_EQ(FirstItem("SELECT TRIM(LEADING 'x' FROM y)"), "(TRIM LEADING x y)");
  EXPECT_EQ(FirstItem("SELECT SUBSTRING(a FROM 2 FOR 3)"), "(SUBSTRING a 2 3)");
  EXPECT_EQ(FirstItem("SELECT EXTRACT(YEAR FROM d)"), "(EXTRACT YEAR d)");
  EXPECT_EQ(FirstItem("SELECT POSITION('a' IN b)"), "(POSITION a b)");
  EXPECT_EQ(FirstItem("SELECT CAST(a AS CHAR(10))"), "(CAST:CHAR(10) a)");
  EXPECT_EQ(FirstItem("SELECT CONVERT(a, SIGNED INTEGER)"),
            "(CONVERT:SIGNED INTEGER a)");
  EXPECT_EQ(FirstItem("SELECT CONVERT(a USING utf8mb4)"),
            "(CONVERT:utf8mb4 a)");
  EXPECT_EQ(FirstItem("SELECT CASE a WHEN 1 THEN 'x' ELSE 'y' END"),
            "(CASE a 1 x y)");
  EXPECT_EQ(FirstItem("SELECT app.f(1)"), "(F 1)");
  EXPECT_EQ(FirstItem("SELECT CONCAT (a)"), "(CONCAT a)");
  EXPECT_EQ(FirstItem("SELECT LEFT(a, 2)"), "(LEFT a 2)");
  EXPECT_EQ(FirstItem("SELECT CURRENT_TIMESTAMP"), "(CURRENT_TIMESTAMP)");
  EXPECT_EQ(FirstItem("SELECT NEXT VALUE FOR s"), "(NEXTVAL )");
  // The server keeps an ODBC escape's expression itself.
  EXPECT_EQ(FirstItem("SELECT {fn NOW()}"), "(NOW)");
  EXPECT_EQ(FirstItem("SELECT {x 1}"), "1");
  EXPECT_EQ(FirstItem("SELECT INTERVAL(1, 2, 3)"), "(INTERVAL 1 2 3)");
  EXPECT_EQ(FirstItem("SELECT MATCH(a, b) AGAINST ('x' IN BOOLEAN MODE)"),
            "(MATCH a b)");
  EXPECT_EQ(FirstItem("SELECT t.`select`"), "t.select");
  EXPECT_EQ(FirstItem("SELECT db.t.c"), "db.t.c");
}

struct ParseCase {
  const char* sql;
  StatementKind kind;
};

class ParsesTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParsesTest, Parses) {
  auto parsed = Parse(GetParam().sql, kDefault);
  ASSERT_TRUE(parsed.ok()) << GetParam().sql << "\n"
                           << parsed.status().message();
  ASSERT_FALSE(parsed->empty());
  EXPECT_EQ((*parsed)[0].kind, GetParam().kind) << GetParam().sql;
}

using SK = StatementKind;
INSTANTIATE_TEST_SUITE_P(
    Statements, ParsesTest,
    ::testing::Values(
        ParseCase{"SELECT 1", SK::kSelect},
        ParseCase{"select 1 from dual", SK::kSelect},
        ParseCase{"SELECT a, b AS c, d e, f 'g', h AS \"i\" FROM t",
                  SK::kSelect},
        ParseCase{"SELECT *, t.*, db.t.* FROM db.t", SK::kSelect},
        ParseCase{"SELECT DISTINCT SQL_CALC_FOUND_ROWS HIGH_PRIORITY "
                  "STRAIGHT_JOIN SQL_SMALL_RESULT SQL_BIG_RESULT "
                  "SQL_BUFFER_RESULT SQL_NO_CACHE a FROM t",
                  SK::kSelect},
        ParseCase{"SELECT DISTINCTROW a FROM t", SK::kSelect},
        ParseCase{"SELECT ALL a FROM t", SK::kSelect},
        ParseCase{"WITH c AS (SELECT 1) SELECT * FROM c", SK::kSelect},
        ParseCase{"WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                  "FROM c WHERE n < 10) SELECT n FROM c",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t1 JOIN t2 ON t1.id = t2.id "
                  "LEFT JOIN t3 USING (id) RIGHT OUTER JOIN t4 ON 1 "
                  "CROSS JOIN t5 INNER JOIN t6 STRAIGHT_JOIN t7 "
                  "NATURAL JOIN t8 NATURAL LEFT OUTER JOIN t9",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t1, t2 AS x, (t3 JOIN t4 ON a = b)",
                  SK::kSelect},
        ParseCase{"SELECT a FROM (SELECT 1 AS a) AS d", SK::kSelect},
        ParseCase{"SELECT a FROM (SELECT 1) d (a)", SK::kSelect},
        ParseCase{"SELECT a FROM ((SELECT 1 AS a)) d", SK::kSelect},
        ParseCase{"SELECT a FROM t PARTITION (p0, p1) AS x "
                  "USE INDEX (i1) FORCE KEY FOR JOIN (i2) IGNORE INDEX FOR "
                  "ORDER BY (PRIMARY) USE INDEX ()",
                  SK::kSelect},
        ParseCase{"SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a WITH "
                  "ROLLUP HAVING COUNT(*) > 1 ORDER BY 2 DESC, a ASC "
                  "LIMIT 10",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t LIMIT 5, 10", SK::kSelect},
        ParseCase{"SELECT a FROM t LIMIT 10 OFFSET 5", SK::kSelect},
        ParseCase{"SELECT a FROM t LIMIT ROWS EXAMINED 1000", SK::kSelect},
        ParseCase{"SELECT a FROM t LIMIT 1 ROWS EXAMINED 1000", SK::kSelect},
        ParseCase{"SELECT a FROM t LIMIT ?, ?", SK::kSelect},
        ParseCase{"SELECT a FROM t FOR UPDATE", SK::kSelect},
        ParseCase{"SELECT a FROM t FOR UPDATE NOWAIT", SK::kSelect},
        ParseCase{"SELECT a FROM t FOR UPDATE WAIT 5", SK::kSelect},
        ParseCase{"SELECT a FROM t FOR UPDATE SKIP LOCKED", SK::kSelect},
        ParseCase{"SELECT a FROM t LOCK IN SHARE MODE", SK::kSelect},
        ParseCase{"SELECT a INTO @x FROM t", SK::kSelect},
        ParseCase{"SELECT a FROM t INTO @x, @y", SK::kSelect},
        ParseCase{"SELECT a FROM t INTO OUTFILE '/tmp/x' FIELDS TERMINATED "
                  "BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY "
                  "'\\n'",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t INTO DUMPFILE '/tmp/x'", SK::kSelect},
        ParseCase{"SELECT a FROM t UNION SELECT b FROM u", SK::kSelect},
        ParseCase{"SELECT a FROM t UNION ALL SELECT b FROM u EXCEPT "
                  "SELECT c FROM v INTERSECT DISTINCT SELECT d FROM w "
                  "ORDER BY 1 LIMIT 3",
                  SK::kSelect},
        ParseCase{"(SELECT a FROM t) UNION (SELECT b FROM u) ORDER BY a",
                  SK::kSelect},
        ParseCase{"((SELECT a FROM t ORDER BY a LIMIT 1))", SK::kSelect},
        ParseCase{"SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c "
                  "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
                  "SUM(x) OVER w, LAG(x, 1) OVER (w) FROM t "
                  "WINDOW w AS (ORDER BY c RANGE 1 PRECEDING)",
                  SK::kSelect},
        ParseCase{"SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY a) "
                  "OVER (PARTITION BY b) FROM t",
                  SK::kSelect},
        ParseCase{"SELECT GROUP_CONCAT(DISTINCT a, b ORDER BY a DESC "
                  "SEPARATOR ';') FROM t",
                  SK::kSelect},
        ParseCase{"SELECT COUNT(DISTINCT a, b), AVG(ALL c) FROM t",
                  SK::kSelect},
        ParseCase{"SELECT CHAR(65, 66 USING utf8mb4)", SK::kSelect},
        ParseCase{"SELECT DATE '2020-01-01', TIME '10:00', TIMESTAMP "
                  "'2020-01-01 10:00'",
                  SK::kSelect},
        ParseCase{"SELECT _utf8mb4'x' COLLATE utf8mb4_bin, N'y', X'4A', "
                  "0x4A, b'1', 0b1, TRUE, FALSE, NULL, -1.5e3",
                  SK::kSelect},
        ParseCase{"SELECT @@version_comment LIMIT 1", SK::kSelect},
        ParseCase{"SELECT @@session.autocommit, @@global.max_connections",
                  SK::kSelect},
        ParseCase{"SELECT DATABASE(), USER(), CURRENT_USER(), VERSION()",
                  SK::kSelect},
        ParseCase{"SELECT EXISTS (SELECT 1 FROM t WHERE a = b)", SK::kSelect},
        ParseCase{"SELECT (SELECT MAX(a) FROM t) + 1", SK::kSelect},
        ParseCase{"SELECT ((SELECT 1) UNION (SELECT 2))", SK::kSelect},
        ParseCase{"SELECT DATE_ADD(d, INTERVAL 1 DAY), TIMESTAMPDIFF(DAY, "
                  "a, b), GET_FORMAT(DATE, 'EUR')",
                  SK::kSelect},
        ParseCase{"SELECT IF(a, b, c), IFNULL(a, 0), COALESCE(a, b), "
                  "REPLACE(a, 'x', 'y'), INSERT(a, 1, 2, 'z'), MOD(a, 2), "
                  "a MOD 2, a % 2",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t WHERE a IS NOT NULL AND b <=> c OR d != "
                  "e XOR f <> g",
                  SK::kSelect},
        ParseCase{"SELECT a FROM t WHERE b = ? AND c IN (?, ?)", SK::kSelect},
        ParseCase{"SELECT a FROM t WHERE (a, b) IN ((1, 2), (3, 4))",
                  SK::kSelect},
        ParseCase{"SELECT {d '2020-01-01'}", SK::kSelect},
        ParseCase{"SELECT a FROM t1 WHERE a = 1; SELECT b FROM t2;",
                  SK::kSelect},
        ParseCase{"INSERT INTO t VALUES (1), (2)", SK::kInsert},
        ParseCase{"INSERT t (a, b) VALUE (1, DEFAULT)", SK::kInsert},
        ParseCase{"INSERT LOW_PRIORITY IGNORE INTO db.t () VALUES ()",
                  SK::kInsert},
        ParseCase{"INSERT INTO t SET a = 1, b = 'x'", SK::kInsert},
        ParseCase{"INSERT INTO t (a) SELECT b FROM u", SK::kInsert},
        ParseCase{"INSERT INTO t (SELECT b FROM u)", SK::kInsert},
        ParseCase{"INSERT INTO t WITH c AS (SELECT 1) SELECT * FROM c",
                  SK::kInsert},
        ParseCase{"INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = "
                  "VALUES(a) + 1",
                  SK::kInsert},
        ParseCase{"INSERT INTO t (a) VALUES (1) RETURNING id, a", SK::kInsert},
        ParseCase{"REPLACE DELAYED INTO t VALUES (1)", SK::kReplace},
        ParseCase{"UPDATE t SET a = a + 1 WHERE b = 2 ORDER BY c LIMIT 1",
                  SK::kUpdate},
        ParseCase{"UPDATE LOW_PRIORITY IGNORE t1 JOIN t2 ON t1.id = t2.id "
                  "SET t1.a = t2.b",
                  SK::kUpdate},
        ParseCase{"DELETE FROM t WHERE a = 1 ORDER BY b LIMIT 2 RETURNING a",
                  SK::kDelete},
        ParseCase{"DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id WHERE 1",
                  SK::kDelete},
        ParseCase{"DELETE FROM t1.* USING t1 JOIN t2 ON t1.id = t2.id",
                  SK::kDelete},
        ParseCase{"SET autocommit = 1", SK::kSet},
        ParseCase{"SET SESSION sql_select_limit = DEFAULT, @a := 1, @@x = "
                  "ON, GLOBAL y = OFF, LOCAL z = 'v'",
                  SK::kSet},
        ParseCase{"SET @a = (SELECT 1), @b = 2", SK::kSet},
        ParseCase{"SET NAMES utf8mb4", SK::kSetNames},
        ParseCase{"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'",
                  SK::kSetNames},
        ParseCase{"SET CHARACTER SET utf8mb4", SK::kSetCharset},
        ParseCase{"SET CHARSET latin1", SK::kSetCharset},
        ParseCase{"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                  SK::kSetTransaction},
        ParseCase{"SET TRANSACTION READ ONLY, ISOLATION LEVEL SERIALIZABLE",
                  SK::kSetTransaction},
        ParseCase{"SET STATEMENT max_statement_time = 10 FOR SELECT 1",
                  SK::kSetStatement},
        ParseCase{"USE app", SK::kUse}, ParseCase{"BEGIN", SK::kBegin},
        ParseCase{"BEGIN WORK", SK::kBegin},
        ParseCase{"START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT",
                  SK::kBegin},
        ParseCase{"COMMIT", SK::kCommit},
        ParseCase{"COMMIT WORK AND NO CHAIN NO RELEASE", SK::kCommit},
        ParseCase{"ROLLBACK AND CHAIN", SK::kRollback},
        ParseCase{"SAVEPOINT s1", SK::kSavepoint},
        ParseCase{"ROLLBACK TO SAVEPOINT s1", SK::kRollbackToSavepoint},
        ParseCase{"ROLLBACK WORK TO s1", SK::kRollbackToSavepoint},
        ParseCase{"RELEASE SAVEPOINT s1", SK::kReleaseSavepoint},
        ParseCase{"PREPARE s FROM 'SELECT ?'", SK::kPrepare},
        ParseCase{"PREPARE s FROM @q", SK::kPrepare},
        ParseCase{"EXECUTE s USING @a, @b", SK::kExecute},
        ParseCase{"DEALLOCATE PREPARE s", SK::kDeallocatePrepare},
        ParseCase{"DROP PREPARE s", SK::kDeallocatePrepare},
        ParseCase{"EXECUTE IMMEDIATE 'SELECT 1'", SK::kExecuteImmediate},
        ParseCase{"DO 1, SLEEP(0)", SK::kDo}, ParseCase{"CALL p()", SK::kCall},
        ParseCase{"CALL db.p(1, @x)", SK::kCall},
        ParseCase{"CALL p", SK::kCall}, ParseCase{"SHOW TABLES", SK::kShow},
        ParseCase{"SHOW FULL COLUMNS FROM t FROM db LIKE 'a%'", SK::kShow},
        ParseCase{"SHOW VARIABLES WHERE Variable_name = 'x'", SK::kShow},
        ParseCase{"SHOW CREATE TABLE t", SK::kShow},
        ParseCase{"DESCRIBE t", SK::kDescribeTable},
        ParseCase{"DESC db.t a", SK::kDescribeTable},
        ParseCase{"EXPLAIN t", SK::kDescribeTable},
        ParseCase{"EXPLAIN SELECT 1", SK::kExplain},
        ParseCase{"EXPLAIN EXTENDED SELECT 1", SK::kExplain},
        ParseCase{"EXPLAIN FORMAT=JSON UPDATE t SET a = 1", SK::kExplain},
        ParseCase{"DESCRIBE DELETE FROM t", SK::kExplain},
        ParseCase{"ANALYZE SELECT 1", SK::kAnalyze},
        ParseCase{"ANALYZE FORMAT=JSON SELECT 1", SK::kAnalyze},
        ParseCase{"ANALYZE TABLE t1, t2", SK::kAnalyzeTable},
        ParseCase{"CREATE TEMPORARY TABLE t (a INT)", SK::kCreateTable},
        ParseCase{"CREATE TABLE IF NOT EXISTS db.t (id INT UNSIGNED NOT NULL "
                  "AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) CHARACTER "
                  "SET utf8mb4 COLLATE utf8mb4_bin DEFAULT '' COMMENT 'n', "
                  "price DECIMAL(10,2) DEFAULT -1, ts TIMESTAMP DEFAULT "
                  "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
                  "kind ENUM('a','b') NULL, v INT AS (id * 2) VIRTUAL, "
                  "KEY k (name(10)), UNIQUE KEY u (price), "
                  "CONSTRAINT c CHECK (price > 0), FOREIGN KEY (id) "
                  "REFERENCES u (id) ON DELETE CASCADE) ENGINE=InnoDB "
                  "DEFAULT CHARSET=utf8mb4",
                  SK::kCreateTable},
        ParseCase{"CREATE TEMPORARY TABLE t LIKE u", SK::kCreateTable},
        ParseCase{"CREATE TEMPORARY TABLE t AS SELECT a FROM u",
                  SK::kCreateTable},
        ParseCase{"CREATE OR REPLACE TEMPORARY TABLE t (a INT) SELECT 1 a",
                  SK::kCreateTable},
        ParseCase{"DROP TEMPORARY TABLE IF EXISTS t, u", SK::kDropTable},
        ParseCase{"TRUNCATE TABLE t", SK::kTruncate},
        ParseCase{"TRUNCATE t", SK::kTruncate},
        ParseCase{"LOCK TABLES t READ, u AS x WRITE, v LOW_PRIORITY WRITE",
                  SK::kLockTables},
        ParseCase{"UNLOCK TABLES", SK::kUnlockTables}));

struct FailCase {
  const char* sql;
  const char* message;  // a substring of the error
};

class FailsTest : public ::testing::TestWithParam<FailCase> {};

TEST_P(FailsTest, FailsWithMessage) {
  auto parsed = Parse(GetParam().sql, kDefault);
  ASSERT_FALSE(parsed.ok()) << GetParam().sql;
  EXPECT_THAT(parsed.status().message(), HasSubstr(GetParam().message))
      << GetParam().sql;
}

INSTANTIATE_TEST_SUITE_P(
    Statements, FailsTest,
    ::testing::Values(
        FailCase{"", "empty statement"}, FailCase{";", "empty statement"},
        FailCase{"SELECT", "1:7: unexpected end of input in an expression"},
        FailCase{"SELECT 1,", "1:10: unexpected end of input"},
        FailCase{"SELECT a FROM t WHERE", "unexpected end of input"},
        FailCase{"SELECT a b c FROM t", "1:12: unexpected 'c' at the end"},
        FailCase{"SELECT a FROM t LIMIT", "in LIMIT"},
        FailCase{"SELECT * + 1", "1:10: unexpected '+'"},
        FailCase{"SELECT t.* + 1 FROM t", "unexpected '+'"},
        FailCase{"SELECT COUNT(t.*) FROM t", "'*' is not allowed here"},
        FailCase{"SELECT select FROM t", "unexpected 'select'"},
        FailCase{"SELECT a FROM t WHERE a = 1 PROCEDURE ANALYSE()",
                 "unsupported PROCEDURE clause"},
        FailCase{"SELECT /*!50001 a */ 1", "versioned executable comment"},
        FailCase{"SELECT a FROM t FOR SYSTEM_TIME ALL", "FOR SYSTEM_TIME"},
        FailCase{"VALUES (1), (2)", "unsupported statement VALUES"},
        FailCase{"SELECT a FROM (VALUES (1)) t", "table value constructor"},
        FailCase{"SELECT a FROM JSON_TABLE('[]', '$[*]' COLUMNS (a INT "
                 "PATH '$')) t",
                 "JSON_TABLE"},
        FailCase{"HANDLER t OPEN", "unsupported statement HANDLER"},
        FailCase{"LOAD DATA INFILE 'x' INTO TABLE t",
                 "unsupported statement LOAD"},
        FailCase{"BEGIN NOT ATOMIC SELECT 1; END", "compound statement"},
        FailCase{"CREATE VIEW v AS SELECT 1", "unsupported statement CREATE"},
        FailCase{"CREATE FUNCTION f() RETURNS INT RETURN 1",
                 "unsupported statement CREATE"},
        FailCase{"GRANT ALL ON *.* TO x", "unsupported statement GRANT"},
        FailCase{"ALTER TABLE t ADD c INT", "unsupported statement ALTER"},
        FailCase{"KILL 5", "unsupported statement KILL"},
        FailCase{"SET PASSWORD = 'x'", "unsupported SET PASSWORD"},
        FailCase{"SET ROLE r", "unsupported SET ROLE"},
        FailCase{"SELECT a->'$.x' FROM t", "'->' is not MariaDB syntax"},
        FailCase{"SELECT 1 +", "unexpected end of input"},
        FailCase{"SELECT (1", "(expected ')')"},
        FailCase{"SELECT CASE WHEN 1 THEN 2", "(expected END) in CASE"},
        FailCase{"SELECT a FROM t LEFT JOIN u", "(expected ON or USING)"},
        FailCase{"SELECT 1 'a' 'b' c", "unexpected 'c'"},
        FailCase{"SELECT a FROM t UNION", "(expected SELECT)"},
        FailCase{"INSERT INTO t", "(expected VALUES, SET or SELECT)"},
        FailCase{"SELECT 1 SELECT 2", "at the end of a statement"},
        FailCase{"SELECT @a := ", "unexpected end of input"}));

TEST(ParserTest, MultiStatementsGiveSeveralStatements) {
  auto parsed = Parse("SELECT 1; ; SELECT 2;SET @a = 1;", kDefault);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[2].kind, StatementKind::kSet);
  EXPECT_EQ((*parsed)[1].offset, 12u);
}

TEST(ParserTest, SetTransactionKeepsItsScope) {
  auto global = Parse("SET GLOBAL TRANSACTION READ ONLY", kDefault);
  ASSERT_TRUE(global.ok()) << global.status().message();
  EXPECT_EQ((*global)[0].kind, StatementKind::kSetTransaction);
  EXPECT_EQ((*global)[0].options, std::vector<std::string>{"GLOBAL"});
  auto session = Parse("set session transaction read write", kDefault);
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ((*session)[0].options, std::vector<std::string>{"SESSION"});
  auto next = Parse("SET TRANSACTION READ ONLY", kDefault);
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_TRUE((*next)[0].options.empty());
}

TEST(ParserTest, SelectItemsAndAliases) {
  auto parsed =
      Parse("SELECT ssn AS s, (ssn) t, p.* , 'x' 'y', 1 'z' FROM p", kDefault);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const SelectCore& core = *(*parsed)[0].query->terms[0].select;
  ASSERT_EQ(core.items.size(), 5u);
  EXPECT_EQ(core.items[0].alias, "s");
  EXPECT_EQ(core.items[1].alias, "t");
  EXPECT_EQ(core.items[1].expr->parens, 1);
  EXPECT_TRUE(core.items[2].star);
  EXPECT_FALSE(core.items[3].has_alias);
  EXPECT_EQ(core.items[3].expr->text, "xy");
  EXPECT_EQ(core.items[4].alias, "z");
}

TEST(ParserTest, AnsiQuotesChangeTheParse) {
  auto plain = Parse("SELECT CONCAT(\"ssn\")", kDefault);
  auto ansi = Parse("SELECT CONCAT(\"ssn\")", LexMode{true, false});
  ASSERT_TRUE(plain.ok() && ansi.ok());
  const Expr& p = *(*plain)[0].query->terms[0].select->items[0].expr;
  const Expr& a = *(*ansi)[0].query->terms[0].select->items[0].expr;
  EXPECT_EQ(p.args[0]->kind, ExprKind::kLiteral);
  EXPECT_EQ(a.args[0]->kind, ExprKind::kColumn);
}

TEST(ParserTest, PrepareKeepsTheUnescapedText) {
  auto parsed =
      Parse(R"(PREPARE s FROM 'SELECT \'a\', ''b'' ' 'FROM t')", kDefault);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE((*parsed)[0].has_text_source);
  EXPECT_EQ((*parsed)[0].text_source, "SELECT 'a', 'b' FROM t");
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string ok =
      "SELECT " + std::string(150, '(') + "1" + std::string(150, ')');
  EXPECT_TRUE(Parse(ok, kDefault).ok());
  for (std::string open : {"(", "-", "NOT ", "(SELECT "}) {
    std::string sql = "SELECT ";
    for (int i = 0; i < 5000; ++i) sql += open;
    sql += "1";
    auto parsed = Parse(sql, kDefault);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kResourceExhausted) << open;
    EXPECT_THAT(parsed.status().message(), HasSubstr("nested deeper than 200"));
  }
  std::string tables = "SELECT 1 FROM " + std::string(5000, '(') + "t";
  EXPECT_EQ(Parse(tables, kDefault).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(ParserTest, OversizedInputIsRefused) {
  std::string big(kMaxSqlBytes + 1, ' ');
  auto parsed = Parse(big, kDefault);
  EXPECT_EQ(parsed.status().code(), StatusCode::kResourceExhausted);
}

TEST(ParserTest, UnsupportedIsUnimplemented) {
  auto parsed = Parse("HANDLER t READ FIRST", kDefault);
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(parsed.status().message(),
            "sql: 1:1: unsupported statement HANDLER");
}

TEST(ParserTest, EveryPrefixParsesOrFailsCleanly) {
  std::string sql =
      "WITH c AS (SELECT a FROM t) SELECT DISTINCT a, COUNT(*) AS n, "
      "CASE WHEN b IN (1,2) THEN 'x' END FROM c JOIN u USING (a) WHERE "
      "a BETWEEN 1 AND 5 GROUP BY a HAVING n > 1 ORDER BY 1 LIMIT 3; "
      "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2";
  for (size_t n = 0; n <= sql.size(); ++n) {
    auto parsed = Parse(std::string_view(sql).substr(0, n), kDefault);
    if (!parsed.ok()) {
      EXPECT_THAT(parsed.status().message(), HasSubstr("sql: "));
    }
  }
}

}  // namespace
}  // namespace coffer::sql
