#include "sql/masking_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::sql {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kAccount = "'alice'@'%'";

const MaskedColumns& Masked() {
  static const MaskedColumns* masked =
      new MaskedColumns({"ssn", "card_number"});
  return *masked;
}

GuardVerdict Check(std::string_view sql) {
  return CheckForMasking(sql, Masked(), kAccount);
}

TEST(MaskedColumnsTest, MatchesCaseAndAccentInsensitively) {
  const MaskedColumns& m = Masked();
  EXPECT_TRUE(m.Matches("ssn"));
  EXPECT_TRUE(m.Matches("SSN"));
  EXPECT_TRUE(m.Matches("Card_Number"));
  EXPECT_TRUE(m.Matches("ssn  "));  // trailing spaces ignored
  EXPECT_TRUE(
      m.Matches("\xC3\x9F"
                "sn"));                  // ß: general_ci folds it to s
  EXPECT_TRUE(m.Matches("s\xC3\xA9n"));  // é
  EXPECT_TRUE(
      m.Matches("\xC5\xBF"
                "sn"));  // ſ (long s)
  EXPECT_FALSE(m.Matches("ssn2"));
  EXPECT_FALSE(m.Matches("sn"));
  EXPECT_FALSE(m.Matches("name"));
  EXPECT_FALSE(MaskedColumns().Matches("ssn"));
}

TEST(MaskedColumnsTest, NamesThatAreNotPlainAsciiMatchEverything) {
  const MaskedColumns& m = Masked();
  // The server reads them through the connection's character set, or
  // (aliases) drops leading spaces and control characters.
  EXPECT_TRUE(m.Matches(" x"));
  EXPECT_TRUE(m.Matches("\tname"));
  EXPECT_TRUE(m.Matches("n\x7F"));
  EXPECT_TRUE(m.Matches("\xC3\x8A"));
  EXPECT_TRUE(m.Matches(std::string(65, 'a')));
  EXPECT_FALSE(m.Matches("Social Security"));

  MaskedColumns plain = Masked();
  plain.AddAlias("s");
  EXPECT_TRUE(plain.Matches("S"));
  EXPECT_FALSE(plain.Matches("name"));
  MaskedColumns odd = Masked();
  odd.AddAlias(" s");
  EXPECT_TRUE(odd.Matches("name"));
}

TEST(GuardTest, NoRulesMeansAllowedWithoutParsing) {
  GuardVerdict v =
      CheckForMasking("this is not SQL", MaskedColumns(), kAccount);
  EXPECT_TRUE(v.allowed);
}

TEST(GuardTest, ExposesTheDefaultModeParse) {
  std::vector<Statement> parsed;
  GuardVerdict v = CheckForMasking("SELECT 1; UPDATE t SET a = 1", Masked(),
                                   kAccount, {}, &parsed);
  EXPECT_TRUE(v.allowed);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].kind, StatementKind::kUpdate);
  // Also when refused, as long as the text parses.
  v = CheckForMasking("SELECT CONCAT(ssn) FROM p", Masked(), kAccount, {},
                      &parsed);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(parsed.size(), 1u);
}

TEST(GuardTest, FunctionMessageIsMaxScales) {
  GuardVerdict v = Check("SELECT CONCAT(ssn) FROM people");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, RefusalReason::kFunction);
  EXPECT_EQ(v.field, "ssn");
  EXPECT_EQ(v.function, "CONCAT");
  EXPECT_EQ(v.message,
            "The function CONCAT is used in conjunction with a field that "
            "should be masked for 'alice'@'%', access is denied.");
}

TEST(GuardTest, OperatorNameIsItsText) {
  EXPECT_EQ(Check("SELECT ssn || 'x' FROM people").function, "||");
  EXPECT_EQ(Check("SELECT -ssn FROM people").function, "-");
  EXPECT_EQ(Check("SELECT ssn COLLATE utf8mb4_bin FROM people").function,
            "COLLATE");
  EXPECT_EQ(Check("SELECT CAST(ssn AS CHAR) FROM people").function, "CAST");
}

TEST(GuardTest, ClauseMessage) {
  GuardVerdict v = Check("SELECT name FROM people ORDER BY ssn");
  EXPECT_EQ(v.reason, RefusalReason::kClause);
  EXPECT_EQ(v.message,
            "The field ssn that should be masked for 'alice'@'%' is used in "
            "a ORDER BY clause, access is denied.");
  EXPECT_EQ(Check("SELECT ssn AS x FROM people ORDER BY x").field, "x");
  EXPECT_EQ(Check("SELECT id, ssn FROM people ORDER BY 2").field, "ssn");
  EXPECT_EQ(Check("SELECT * FROM people ORDER BY 1").field, "*");
}

TEST(GuardTest, SubqueryMessages) {
  GuardVerdict v = Check("SELECT (SELECT ssn FROM people LIMIT 1)");
  EXPECT_EQ(v.reason, RefusalReason::kSubquery);
  EXPECT_EQ(v.message,
            "The field ssn that should be masked for 'alice'@'%' is used in "
            "a subquery, access is denied.");
  v = Check("SELECT id FROM (SELECT * FROM people) d");
  EXPECT_EQ(v.reason, RefusalReason::kSubquery);
  EXPECT_EQ(v.field, "*");
  EXPECT_EQ(v.message,
            "'*' is used in a subquery and there are masking rules for "
            "'alice'@'%', access is denied.");
}

TEST(GuardTest, UnionMessages) {
  GuardVerdict v =
      Check("SELECT name FROM people UNION SELECT ssn FROM people");
  EXPECT_EQ(v.reason, RefusalReason::kUnion);
  EXPECT_EQ(v.message,
            "The field ssn that should be masked for 'alice'@'%' is used in "
            "the second or subsequent SELECT of a UNION, access is denied.");
  v = Check("SELECT 1 UNION SELECT * FROM people");
  EXPECT_EQ(v.message,
            "'*' is used in the second or subsequent SELECT of a UNION and "
            "there are masking rules for 'alice'@'%', access is denied.");
  v = Check("SELECT ssn FROM people UNION SELECT 'x'");
  EXPECT_EQ(v.reason, RefusalReason::kUnion);
  EXPECT_THAT(v.message, HasSubstr("first SELECT of a UNION"));
}

TEST(GuardTest, VariableMessages) {
  GuardVerdict v = Check("SELECT ssn FROM people LIMIT 1 INTO @x");
  EXPECT_EQ(v.reason, RefusalReason::kVariable);
  EXPECT_EQ(v.message,
            "The field ssn that should be masked for 'alice'@'%' is used "
            "when defining a variable, access is denied.");
  v = Check("SELECT * FROM people LIMIT 1 INTO @a, @b, @c");
  EXPECT_EQ(v.message,
            "'*' is used in the definition of a variable and there are "
            "masking rules for 'alice'@'%', access is denied.");
  EXPECT_EQ(Check("SELECT @x := ssn FROM people").reason,
            RefusalReason::kVariable);
  EXPECT_EQ(Check("SET @v = (SELECT ssn FROM people LIMIT 1)").reason,
            RefusalReason::kVariable);
}

TEST(GuardTest, PreparedStatements) {
  GuardVerdict v = Check("PREPARE s FROM @q");
  EXPECT_EQ(v.reason, RefusalReason::kPreparedFromVariable);
  EXPECT_EQ(v.message,
            "A statement prepared from a variable is rejected (masking "
            "filter).");
  v = Check("PREPARE s FROM 'SELECT CONCAT(ssn) FROM people'");
  EXPECT_EQ(v.reason, RefusalReason::kFunction);
  EXPECT_THAT(v.detail, HasSubstr("in PREPARE s"));
  EXPECT_TRUE(
      Check("PREPARE s FROM 'SELECT ssn FROM people WHERE id = ?'").allowed);
  // The inner text is unescaped under the same mode as the outer one.
  EXPECT_FALSE(
      Check(R"(PREPARE s FROM 'SELECT CONCAT(\'a\', ssn) FROM p')").allowed);
  EXPECT_EQ(Check("EXECUTE IMMEDIATE 'SELECT 1'").reason,
            RefusalReason::kExecuteImmediate);
}

TEST(GuardTest, NotFullyParsedUsesMaxScalesMessage) {
  GuardVerdict v = Check("SELECT ssn FROM people PROCEDURE ANALYSE()");
  EXPECT_EQ(v.reason, RefusalReason::kNotFullyParsed);
  EXPECT_EQ(v.message,
            "The statement could not be fully parsed and will hence be "
            "rejected (masking filter).");
  EXPECT_THAT(v.detail, HasSubstr("PROCEDURE"));
  v = Check("SELECT /*!50001 ssn, */ 1");
  EXPECT_EQ(v.reason, RefusalReason::kNotFullyParsed);
  EXPECT_THAT(v.detail, HasSubstr("versioned"));
}

TEST(GuardTest, EveryModeMustParse) {
  // With backslash escapes the string does not end; without, it does.
  GuardVerdict v = Check(R"(SELECT 'a\' FROM people)");
  EXPECT_EQ(v.reason, RefusalReason::kNotFullyParsed);
  EXPECT_THAT(v.detail, HasSubstr("default sql_mode"));
  // And the other way round: `'a\' '` is one string with escapes only.
  v = Check(R"(SELECT 'a\' ' FROM people)");
  EXPECT_EQ(v.reason, RefusalReason::kNotFullyParsed);
  EXPECT_THAT(v.detail, HasSubstr("NO_BACKSLASH_ESCAPES"));
  // Under ANSI_QUOTES "ssn" is the column.
  v = Check("SELECT CONCAT(\"ssn\") FROM people");
  EXPECT_EQ(v.reason, RefusalReason::kFunction);
  EXPECT_THAT(v.detail, HasSubstr("ANSI_QUOTES"));
}

TEST(GuardTest, KnownBackslashModeNarrowsTheCheck) {
  constexpr std::string_view kSql =
      R"(SELECT ssn FROM people WHERE name = 'O\'Brien')";
  EXPECT_EQ(Check(kSql).reason, RefusalReason::kNotFullyParsed);
  GuardOptions escapes_on;
  escapes_on.no_backslash_escapes = false;
  EXPECT_TRUE(CheckForMasking(kSql, Masked(), kAccount, escapes_on).allowed);
  GuardOptions escapes_off;
  escapes_off.no_backslash_escapes = true;
  EXPECT_FALSE(CheckForMasking(kSql, Masked(), kAccount, escapes_off).allowed);
  EXPECT_TRUE(CheckForMasking("SELECT 'O''Brien', 'a\\b'", Masked(), kAccount,
                              escapes_off)
                  .allowed);
  // ANSI_QUOTES is still checked both ways.
  EXPECT_FALSE(CheckForMasking("SELECT CONCAT(\"ssn\") FROM people", Masked(),
                               kAccount, escapes_on)
                   .allowed);
}

TEST(GuardTest, SessionSettings) {
  GuardVerdict v = Check("SET NAMES gbk");
  EXPECT_EQ(v.reason, RefusalReason::kSessionSetting);
  EXPECT_EQ(v.message,
            "Changing the character set to gbk is rejected when there are "
            "masking rules for 'alice'@'%', access is denied.");
  EXPECT_EQ(Check("SET sql_mode = 'ANSI_QUOTES'").reason,
            RefusalReason::kSessionSetting);
  EXPECT_EQ(Check("SET sql_mode = 'ORACLE'").message,
            "Changing sql_mode is rejected when there are masking rules for "
            "'alice'@'%', access is denied.");
}

TEST(GuardTest, MultiStatementDetailNamesTheStatement) {
  GuardVerdict v = Check("SELECT 1; SELECT name FROM people WHERE ssn = 'x'");
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.detail, HasSubstr("statement 2"));
}

TEST(GuardTest, ReasonNamesAreStable) {
  EXPECT_EQ(RefusalReasonName(RefusalReason::kFunction), "function");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kNotFullyParsed),
            "not_fully_parsed");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kSessionSetting),
            "session_setting");
}

// Statements a masked session must be able to run.
class AllowedTest : public ::testing::TestWithParam<const char*> {};

TEST_P(AllowedTest, IsAllowed) {
  GuardVerdict v = Check(GetParam());
  EXPECT_TRUE(v.allowed) << GetParam() << "\n"
                         << RefusalReasonName(v.reason) << ": " << v.message
                         << "\n"
                         << v.detail;
}

INSTANTIATE_TEST_SUITE_P(
    Legitimate, AllowedTest,
    ::testing::Values(
        "SELECT ssn, name FROM people WHERE id = 7 ORDER BY id LIMIT 3",
        "SELECT * FROM people", "SELECT p.* FROM people p",
        "SELECT app.people.* FROM app.people",
        "SELECT p.ssn AS s FROM app.people p JOIN orders o ON o.pid = p.id",
        "SELECT (ssn) FROM people", "SELECT ((ssn)) AS `s` FROM people",
        "SELECT ssn 'Social' FROM people",
        "SELECT ssn, card_number, name FROM people", "SELECT `SSN` FROM people",
        "SHOW TABLES", "SHOW FULL COLUMNS FROM people LIKE 's%'",
        "SHOW VARIABLES WHERE Variable_name = 'version'",
        "SHOW CREATE TABLE people", "USE app",
        "SELECT @@version_comment LIMIT 1", "SELECT DATABASE()",
        "SELECT USER(), CURRENT_USER, NOW(), CONNECTION_ID()",
        "SET NAMES utf8mb4", "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'",
        "SET CHARACTER SET latin1", "SET character_set_results = NULL",
        "SET character_set_results = 'latin1'",
        "SET character_set_client = 'binary'", "SET autocommit=1",
        "SET SESSION autocommit = ON, @a = 1",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "SET STATEMENT max_statement_time = 5 FOR SELECT ssn FROM people",
        "BEGIN", "START TRANSACTION READ ONLY", "COMMIT", "ROLLBACK",
        "SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a",
        "CREATE TEMPORARY TABLE t (a INT)",
        "CREATE TEMPORARY TABLE t (ssn VARCHAR(11))",
        "CREATE TEMPORARY TABLE t AS SELECT id, name FROM people",
        "CREATE TEMPORARY TABLE t LIKE people", "INSERT INTO t VALUES (1)",
        "INSERT INTO people (name, ssn) VALUES ('Bob', '123-45-6789')",
        "INSERT INTO t SELECT id FROM people WHERE name LIKE 'A%'",
        "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = a + 1",
        "UPDATE t SET a = a + 1 WHERE id = 3", "DELETE FROM t WHERE a = 1",
        "DROP TEMPORARY TABLE IF EXISTS t", "TRUNCATE TABLE t",
        "LOCK TABLES people READ; UNLOCK TABLES", "SELECT COUNT(*) FROM people",
        "SELECT id FROM people WHERE id IN (SELECT pid FROM orders)",
        "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE "
        "o.pid = p.id)",
        "SELECT ssn FROM people WHERE id = ?",
        "SELECT ssn FROM people FOR UPDATE",
        "SELECT ssn FROM people LOCK IN SHARE MODE",
        "SELECT ssn FROM people GROUP BY name",
        "SELECT name, COUNT(*) FROM people GROUP BY 1 ORDER BY 2 DESC",
        "SELECT id, ssn FROM people ORDER BY 1",
        "SELECT ssn, id FROM people ORDER BY 2, name",
        "SELECT name AS n FROM people ORDER BY n",
        "SELECT DISTINCT name FROM people",
        "SELECT name FROM people UNION SELECT city FROM offices",
        "WITH c AS (SELECT id FROM people) SELECT ssn FROM people JOIN c "
        "USING (id)",
        "SELECT ssn FROM (SELECT 1 AS x) d, people",
        "SELECT ssn, ROW_NUMBER() OVER (ORDER BY id) FROM people",
        "SELECT ssn FROM people WINDOW w AS (PARTITION BY name)",
        "SELECT ssn FROM people LIMIT 10 OFFSET 20",
        "SELECT ssn FROM people LIMIT ROWS EXAMINED 1000",
        "SELECT SQL_CALC_FOUND_ROWS ssn FROM people LIMIT 1; SELECT "
        "FOUND_ROWS()",
        "SELECT name INTO @n FROM people WHERE id = 1",
        "PREPARE s FROM 'SELECT ssn FROM people WHERE id = ?'; EXECUTE s "
        "USING @id; DEALLOCATE PREPARE s",
        "DESCRIBE people", "DESC people ssn",
        "EXPLAIN SELECT name FROM people WHERE id = 1",
        "ANALYZE SELECT name FROM people WHERE id = 1", "ANALYZE TABLE people",
        "DO SLEEP(0)", "SELECT JSON_OBJECT('a', name) FROM people",
        "SELECT CONCAT(name, '!') FROM people WHERE UPPER(name) LIKE 'A%'",
        "SELECT ssn FROM people -- trailing comment",
        "SELECT ssn /* comment */ FROM people # another",
        "SELECT/*!ssn*/ FROM people", "SELECT 'ssn', \"x\" FROM people",
        "SELECT name FROM people WHERE note = 'ssn'",
        "(SELECT ssn FROM people WHERE id = 1)",
        "SELECT ssn FROM people p1 STRAIGHT_JOIN orders o ON o.pid = p1.id",
        "SELECT NEXT VALUE FOR seq",
        "SELECT DATE_ADD(created, INTERVAL 1 DAY) FROM people",
        "SELECT CASE WHEN age > 18 THEN 'adult' ELSE 'minor' END FROM "
        "people",
        // Character set introducers (the server's list, any case).
        "SELECT _latin1'a', _UTF8MB4 'b', _binary X'41', _utf8 'c'",
        "SELECT ssn FROM people WHERE name = _utf8mb4'Ann' COLLATE "
        "utf8mb4_bin",
        "SELECT _x 'alias' FROM people",
        "SELECT ssn, name FROM people ORDER BY FALSE",
        "SELECT name, ssn FROM people ORDER BY TRUE",
        "PREPARE s FROM 'SELECT name FROM people WHERE name = ''Ann'''",
        "CREATE TEMPORARY TABLE t (a INT) ENGINE=InnoDB DEFAULT "
        "CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='ids'",
        "CREATE TEMPORARY TABLE t (a INT) ENGINE=MEMORY",
        "CREATE TEMPORARY TABLE t (a INT) ENGINE Aria ROW_FORMAT=PAGE",
        "CREATE TABLE scratch.o (pid INT, FOREIGN KEY (pid) REFERENCES "
        "app.people (id) ON DELETE CASCADE)",
        "SET default_storage_engine = InnoDB",
        "SET SESSION default_tmp_storage_engine = 'MEMORY'",
        // A plain alias (spaces inside are kept as they are by the server).
        "SELECT ssn AS 'Social Security' FROM people WHERE id = 1",
        "SELECT ssn AS x FROM people WHERE id = 1 ORDER BY id",
        "SELECT {fn NOW()}, {d '2026-12-07'}",
        // The server returns the column itself, whose definition (org_name
        // ssn) the result masking matches.
        "SELECT {x ssn} FROM people",
        "SELECT id, name, ssn FROM people ORDER BY {x 2}"));

}  // namespace
}  // namespace coffer::sql
