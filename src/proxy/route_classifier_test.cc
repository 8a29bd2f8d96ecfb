// ClassifyQuery: one case per rule of route_classifier.h, and the texts that
// try to slip a write, a lock or a session-dependent value onto a replica.
#include "proxy/route_classifier.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "sql/keywords.h"
#include "sql/parser.h"

namespace coffer::proxy {
namespace {

constexpr sql::LexMode kDefault{};

struct Case {
  const char* name;  // the test's name: letters, digits and '_'
  const char* sql;
  Route route;
  std::string_view reason;
  bool temporary = false;    // creates_temporary_table
  bool transaction = false;  // starts_transaction
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.sql << '"'; }

constexpr Route kPrimary = Route::kPrimary;
constexpr Route kReplica = Route::kReplica;
constexpr Route kAll = Route::kAll;

class ClassifyTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClassifyTest, Classifies) {
  const Case& c = GetParam();
  RouteDecision d = ClassifyQuery(c.sql, kDefault);
  EXPECT_EQ(RouteName(d.route), RouteName(c.route));
  EXPECT_EQ(d.reason, c.reason);
  EXPECT_EQ(d.creates_temporary_table, c.temporary);
  EXPECT_EQ(d.starts_transaction, c.transaction);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    Reads, ClassifyTest,
    ::testing::Values(
        Case{"Select1", "SELECT 1", kReplica, "read"},
        Case{"TrailingSemicolon", "SELECT a FROM t WHERE id = 1;", kReplica,
             "read"},
        Case{"Lowercase", "select a from t", kReplica, "read"},
        Case{"FromDual", "SELECT 1 FROM DUAL", kReplica, "read"},
        Case{"Join",
             "SELECT t.a, u.b FROM t JOIN u ON t.id = u.id WHERE t.x > 3 "
             "ORDER BY 1 LIMIT 10",
             kReplica, "read"},
        Case{"Parenthesized", "(SELECT 1)", kReplica, "read"},
        Case{"UnionOfParenthesized", "(SELECT 1) UNION (SELECT 2)", kReplica,
             "read"},
        Case{"UnionAll", "SELECT a FROM t UNION ALL SELECT a FROM u", kReplica,
             "read"},
        Case{"Intersect", "SELECT a FROM t INTERSECT SELECT a FROM u", kReplica,
             "read"},
        Case{"Except", "SELECT a FROM t EXCEPT SELECT a FROM u", kReplica,
             "read"},
        Case{"With", "WITH c AS (SELECT 1) SELECT * FROM c", kReplica, "read"},
        Case{"WithRecursive",
             "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
             "WHERE n < 5) SELECT n FROM r",
             kReplica, "read"},
        Case{"Builtins",
             "SELECT COUNT(*), MAX(a), CONCAT(b, 'x'), NOW(), IFNULL(c, 0), "
             "RAND() FROM t GROUP BY d",
             kReplica, "read"},
        Case{"KeywordFunctions",
             "SELECT IF(a, LEFT(b, 2), CURRENT_TIMESTAMP), DATABASE() FROM t",
             kReplica, "read"},
        Case{"CastAndCase",
             "SELECT CAST(a AS CHAR), CASE WHEN a THEN 1 ELSE 2 END FROM t",
             kReplica, "read"},
        Case{"Subqueries",
             "SELECT * FROM t WHERE a IN (SELECT b FROM u) AND EXISTS "
             "(SELECT 1 FROM v)",
             kReplica, "read"},
        Case{"DerivedTable", "SELECT d.x FROM (SELECT a AS x FROM t) AS d",
             kReplica, "read"},
        Case{"WindowFunction",
             "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t",
             kReplica, "read"},
        Case{"UserVariableRead", "SELECT @a, @b + 1 FROM t WHERE c = @a",
             kPrimary, "user variable"},
        Case{"UserVariableComparison", "SELECT @a = 1", kPrimary,
             "user variable"},
        Case{"UserVariableInSubquery",
             "SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d = @v)",
             kPrimary, "user variable"},
        Case{"ServerId", "SELECT @@server_id", kReplica, "read"},
        Case{"ScopedSystemVariables",
             "SELECT @@session.sql_mode, @@global.read_only", kReplica, "read"},
        Case{"BlockComment", "/* x */ SELECT 1", kReplica, "read"},
        Case{"CommentHidingForUpdate", "SELECT a FROM t /* FOR UPDATE */",
             kReplica, "read"},
        Case{"DashComment", "SELECT 1 -- ; DELETE FROM t\n", kReplica, "read"},
        Case{"HashComment", "SELECT 1 # ; DELETE FROM t", kReplica, "read"},
        Case{"SemicolonInString", "SELECT 'a; DELETE FROM t'", kReplica,
             "read"},
        Case{"ExecutableComment", "SELECT 1 /*! + 1 */", kReplica, "read"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    ReadsKeptOnPrimary, ClassifyTest,
    ::testing::Values(
        Case{"ForUpdate", "SELECT * FROM t FOR UPDATE", kPrimary,
             "locking read"},
        Case{"ForUpdateSkipLocked", "SELECT * FROM t FOR UPDATE SKIP LOCKED",
             kPrimary, "locking read"},
        Case{"LockInShareMode",
             "SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE", kPrimary,
             "locking read"},
        Case{"ForUpdateInDerivedTable",
             "SELECT * FROM (SELECT * FROM t FOR UPDATE) d", kPrimary,
             "locking read"},
        Case{"ForUpdateInExecutableComment",
             "SELECT * FROM t /*! FOR UPDATE */", kPrimary, "locking read"},
        Case{"ForShareIsNotMariaDb", "SELECT * FROM t FOR SHARE", kPrimary,
             "unparsable"},
        Case{"VersionedComment", "SELECT * FROM t /*!50000 FOR UPDATE */",
             kPrimary, "unparsable"},
        Case{"VersionedMariaDbComment", "SELECT 1 /*M!100100 + 1 */", kPrimary,
             "unparsable"},
        Case{"IntoVariable", "SELECT 1 INTO @x", kPrimary, "select into"},
        Case{"IntoAfterLimit", "SELECT a FROM t LIMIT 1 INTO @x, @y", kPrimary,
             "select into"},
        Case{"IntoLocalVariable", "SELECT a INTO v FROM t", kPrimary,
             "select into"},
        Case{"IntoOutfile", "SELECT * FROM t INTO OUTFILE '/tmp/t.csv'",
             kPrimary, "select into"},
        Case{"IntoDumpfile", "SELECT a FROM t INTO DUMPFILE '/tmp/a'", kPrimary,
             "select into"},
        Case{"UserVariableAssignment", "SELECT @a:=1", kPrimary,
             "user variable assignment"},
        Case{"AssignmentInWhere", "SELECT a FROM t WHERE (@n := @n + 1) > 0",
             kPrimary, "user variable assignment"},
        Case{"LastInsertId", "SELECT LAST_INSERT_ID()", kPrimary,
             "last insert id"},
        Case{"LastInsertIdSpaced", "select last_insert_id ( )", kPrimary,
             "last insert id"},
        Case{"LastInsertIdInSubquery", "SELECT (SELECT LAST_INSERT_ID())",
             kPrimary, "last insert id"},
        Case{"GetLock", "SELECT GET_LOCK('a',1)", kPrimary, "function"},
        Case{"GetLockInWhere", "SELECT a FROM t WHERE b = GET_LOCK('x', 0)",
             kPrimary, "function"},
        Case{"ReleaseLock", "SELECT RELEASE_LOCK('a')", kPrimary, "function"},
        Case{"ReleaseAllLocks", "SELECT RELEASE_ALL_LOCKS()", kPrimary,
             "function"},
        Case{"IsFreeLock", "SELECT IS_FREE_LOCK('a')", kPrimary, "function"},
        Case{"IsUsedLock", "SELECT IS_USED_LOCK('a')", kPrimary, "function"},
        Case{"Sleep", "SELECT SLEEP(1)", kPrimary, "function"},
        Case{"SleepInUnion", "SELECT 1 UNION SELECT SLEEP(1)", kPrimary,
             "function"},
        Case{"Benchmark", "SELECT BENCHMARK(10, MD5('a'))", kPrimary,
             "function"},
        Case{"Nextval", "SELECT NEXTVAL(s)", kPrimary, "function"},
        Case{"Setval", "SELECT SETVAL(s, 10)", kPrimary, "function"},
        Case{"Lastval", "SELECT LASTVAL(s)", kPrimary, "function"},
        Case{"NextValueFor", "SELECT NEXT VALUE FOR s", kPrimary, "function"},
        Case{"PreviousValueFor", "SELECT PREVIOUS VALUE FOR db.s", kPrimary,
             "function"},
        Case{"OracleModeNextval", "SELECT s.nextval", kPrimary, "function"},
        Case{"OracleModeCurrval", "SELECT db.s.CURRVAL FROM dual", kPrimary,
             "function"},
        Case{"FoundRows", "SELECT FOUND_ROWS()", kPrimary, "function"},
        Case{"SqlCalcFoundRows", "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 10",
             kPrimary, "found rows"},
        Case{"RowCount", "SELECT ROW_COUNT()", kPrimary, "function"},
        Case{"MasterGtidWait", "SELECT MASTER_GTID_WAIT('0-1-1', 1)", kPrimary,
             "function"},
        Case{"MasterPosWait", "SELECT MASTER_POS_WAIT('log.000001', 4)",
             kPrimary, "function"},
        Case{"LoadFile", "SELECT LOAD_FILE('/etc/passwd')", kPrimary,
             "function"},
        Case{"UuidShort", "SELECT UUID_SHORT()", kPrimary, "function"},
        Case{"ConnectionId", "SELECT CONNECTION_ID()", kPrimary, "function"},
        Case{"StoredFunction", "SELECT myfunc(a) FROM t", kPrimary, "function"},
        Case{"QualifiedFunction", "SELECT db.f()", kPrimary, "function"},
        Case{"QualifiedBuiltinName", "SELECT db.concat('a')", kPrimary,
             "function"},
        Case{"QuotedKeywordFunction", "SELECT `left`(a, 1) FROM t", kPrimary,
             "function"},
        Case{"StoredFunctionInOrderBy", "SELECT a FROM t ORDER BY f(a)",
             kPrimary, "function"},
        Case{"StoredFunctionInCte",
             "WITH c AS (SELECT myfunc(1) AS x) SELECT x FROM c", kPrimary,
             "function"},
        Case{"SysvarLastInsertId", "SELECT @@last_insert_id", kPrimary,
             "last insert id"},
        Case{"SysvarLastInsertIdUpper", "SELECT @@LAST_INSERT_ID + 0", kPrimary,
             "last insert id"},
        Case{"SysvarIdentity", "SELECT @@identity", kPrimary, "last insert id"},
        Case{"SysvarSessionInsertId", "SELECT @@session.insert_id", kPrimary,
             "last insert id"},
        Case{"SysvarWarningCount", "SELECT @@warning_count", kPrimary,
             "session state"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    SessionCommands, ClassifyTest,
    ::testing::Values(
        Case{"Use", "use app", kAll, "session command"},
        Case{"SetNames", "SET NAMES utf8mb4", kAll, "session command"},
        Case{"SetNamesCollate", "SET NAMES utf8mb4 COLLATE utf8mb4_bin", kAll,
             "session command"},
        Case{"SetCharacterSet", "SET CHARACTER SET utf8mb4", kAll,
             "session command"},
        Case{"SetAutocommit", "set autocommit=0", kAll, "session command"},
        Case{"SetSession", "SET SESSION sql_mode = 'ANSI_QUOTES'", kAll,
             "session command"},
        Case{"SetLocal", "SET LOCAL sql_select_limit = 10", kAll,
             "session command"},
        Case{"SetSessionSysvar", "SET @@session.time_zone = '+00:00'", kAll,
             "session command"},
        Case{"SetUserVariable", "SET @x = 1", kAll, "session command"},
        Case{"SetUserVariables", "SET @x = CONCAT(@y, 'a'), @z := 2", kAll,
             "session command"},
        Case{"SetUserVariableFromQuery", "SET @m = (SELECT MAX(id) FROM t)",
             kAll, "session command"},
        Case{"SetTransaction", "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
             kAll, "session command"},
        Case{"SetSessionTransaction", "SET SESSION TRANSACTION READ ONLY", kAll,
             "session command"},
        Case{"SetRole", "SET ROLE analyst", kAll, "session command"},
        Case{"SetRoleNone", "SET ROLE NONE;", kAll, "session command"},
        Case{"SetGlobal", "SET GLOBAL read_only=0", kPrimary,
             "global variable"},
        Case{"SetGlobalSysvar", "SET @@global.x=1", kPrimary,
             "global variable"},
        Case{"SetGlobalSecond", "SET @a = 1, GLOBAL max_connections = 10",
             kPrimary, "global variable"},
        Case{"SetGlobalTransaction",
             "SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE", kPrimary,
             "global variable"},
        Case{"SetFromLastInsertId", "SET @id = LAST_INSERT_ID()", kPrimary,
             "last insert id"},
        Case{"SetFromSysvarIdentity", "SET @id = @@identity", kPrimary,
             "last insert id"},
        Case{"SetFromGetLock", "SET @l = GET_LOCK('a', 1)", kPrimary,
             "function"},
        Case{"SetFromNextValue", "SET @n = NEXT VALUE FOR s", kPrimary,
             "function"},
        Case{"SetFromStoredFunction", "SET @x = f(1)", kPrimary, "function"},
        Case{"SetFromLockingRead", "SET @x = (SELECT a FROM t FOR UPDATE)",
             kPrimary, "locking read"},
        Case{"SetStatement",
             "SET STATEMENT max_statement_time = 1 FOR SELECT 1", kPrimary,
             "set statement"},
        Case{"SetPassword", "SET PASSWORD = PASSWORD('x')", kPrimary,
             "unparsable"},
        Case{"SetDefaultRole", "SET DEFAULT ROLE r", kPrimary, "unparsable"},
        Case{"SetRoleThenWrite", "SET ROLE r; DELETE FROM t", kPrimary,
             "unparsable"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Primary, ClassifyTest,
    ::testing::Values(
        Case{"Insert", "INSERT INTO t VALUES (1)", kPrimary, "write"},
        Case{"InsertSelect", "INSERT INTO t SELECT * FROM u", kPrimary,
             "write"},
        Case{"Replace", "REPLACE INTO t VALUES (1)", kPrimary, "write"},
        Case{"Update", "UPDATE t SET a = 1 WHERE b = 2", kPrimary, "write"},
        Case{"Delete", "DELETE FROM t WHERE a = 1", kPrimary, "write"},
        Case{"CreateTable", "CREATE TABLE t (a INT)", kPrimary, "ddl"},
        Case{"DropTable", "DROP TABLE t", kPrimary, "ddl"},
        Case{"Truncate", "TRUNCATE TABLE t", kPrimary, "ddl"},
        Case{"AlterTable", "ALTER TABLE t ADD COLUMN b INT", kPrimary,
             "unparsable"},
        Case{"CreateTemporaryTable", "CREATE TEMPORARY TABLE t (a INT)",
             kPrimary, "temporary table", true},
        Case{"CreateTemporaryTableAsSelect",
             "create temporary table t as select 1 as a", kPrimary,
             "temporary table", true},
        Case{"CreateOrReplaceTemporaryTable",
             "CREATE OR REPLACE TEMPORARY TABLE t LIKE u", kPrimary,
             "temporary table", true},
        Case{"Begin", "BEGIN", kPrimary, "transaction", false, true},
        Case{"BeginWork", "BEGIN WORK;", kPrimary, "transaction", false, true},
        Case{"StartTransaction", "START TRANSACTION", kPrimary, "transaction",
             false, true},
        Case{"StartTransactionReadOnly", "START TRANSACTION READ ONLY",
             kPrimary, "transaction", false, true},
        Case{"XaStart", "XA START 'x'", kPrimary, "transaction", false, true},
        Case{"XaEnd", "XA END 'x'", kPrimary, "transaction"},
        Case{"Commit", "COMMIT", kPrimary, "transaction"},
        Case{"Rollback", "ROLLBACK", kPrimary, "transaction"},
        Case{"Savepoint", "SAVEPOINT s", kPrimary, "transaction"},
        Case{"RollbackToSavepoint", "ROLLBACK TO SAVEPOINT s", kPrimary,
             "transaction"},
        Case{"ReleaseSavepoint", "RELEASE SAVEPOINT s", kPrimary,
             "transaction"},
        Case{"Call", "CALL p(1)", kPrimary, "call"},
        Case{"Show", "SHOW TABLES", kPrimary, "show"},
        Case{"Explain", "EXPLAIN SELECT 1", kPrimary, "explain"},
        Case{"Describe", "DESCRIBE t", kPrimary, "explain"},
        Case{"Analyze", "ANALYZE SELECT 1", kPrimary, "explain"},
        Case{"AnalyzeTable", "ANALYZE TABLE t", kPrimary, "ddl"},
        Case{"Do", "DO 1", kPrimary, "do"},
        Case{"Prepare", "PREPARE s FROM 'SELECT 1'", kPrimary,
             "prepared statement"},
        // A prepared text that creates a temporary table, or one only known
        // at run time, keeps the session on the primary (a review found
        // its reads sent to a replica that lacks the table).
        Case{"PrepareTemporaryTable",
             "PREPARE s FROM 'CREATE TEMPORARY TABLE tt (a INT)'", kPrimary,
             "prepared statement", true},
        Case{"PrepareFromVariable", "PREPARE s FROM @text", kPrimary,
             "prepared statement", true},
        Case{"Execute", "EXECUTE s", kPrimary, "prepared statement"},
        Case{"Deallocate", "DEALLOCATE PREPARE s", kPrimary,
             "prepared statement"},
        Case{"ExecuteImmediate", "EXECUTE IMMEDIATE 'SELECT 1'", kPrimary,
             "prepared statement"},
        Case{"LockTables", "LOCK TABLES t READ", kPrimary, "lock tables"},
        Case{"UnlockTables", "UNLOCK TABLES", kPrimary, "lock tables"},
        Case{"LoadData", "LOAD DATA INFILE 'x' INTO TABLE t", kPrimary,
             "unparsable"},
        Case{"Handler", "HANDLER t OPEN", kPrimary, "unparsable"},
        Case{"Values", "VALUES (1)", kPrimary, "unparsable"},
        Case{"Empty", "", kPrimary, "unparsable"},
        Case{"CommentOnly", "/* nothing */", kPrimary, "unparsable"},
        Case{"Misspelt", "SELEC 1", kPrimary, "unparsable"},
        Case{"UnterminatedString", "SELECT 'a", kPrimary, "unparsable"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    MultiStatementsAndFlags, ClassifyTest,
    ::testing::Values(
        Case{"ReadThenDelete", "SELECT 1; DELETE FROM t", kPrimary,
             "multi-statement"},
        Case{"TwoReads", "SELECT 1; SELECT 2", kPrimary, "multi-statement"},
        Case{"ReadThenTemporaryTable",
             "SELECT 1; CREATE TEMPORARY TABLE t (a INT)", kPrimary,
             "multi-statement", true},
        Case{"BeginThenWrite", "BEGIN; UPDATE t SET a = 1", kPrimary,
             "multi-statement", false, true},
        Case{"ReadThenUnparsable", "SELECT 1; HANDLER t OPEN", kPrimary,
             "unparsable"},
        Case{"SetStatementForTemporaryTable",
             "SET STATEMENT max_statement_time = 1 FOR CREATE TEMPORARY TABLE "
             "t (a INT)",
             kPrimary, "set statement", true},
        Case{"UnparsableTemporaryTable",
             "CREATE TEMPORARY TABLE t (a INT) PARTITION BY HASH (a)", kPrimary,
             "unparsable", true},
        Case{"TemporaryTableInVersionedComment",
             "CREATE /*!32302 TEMPORARY */ TABLE t (a INT)", kPrimary,
             "unparsable", true},
        Case{"TemporarySequence", "CREATE TEMPORARY SEQUENCE s", kPrimary,
             "unparsable", true},
        Case{"TemporaryTableTheLexerRefuses",
             "CREATE TEMPORARY TABLE t (a JSON CHECK (a->'$.x'))", kPrimary,
             "unparsable", true},
        Case{"UnparsableWithoutTemporaryTable",
             "CREATE VIEW v AS SELECT temporary FROM t", kPrimary,
             "unparsable"}),
    CaseName);

TEST(ClassifyQueryTest, ReadsTheTextUnderTheSessionsMode) {
  // Under ANSI_QUOTES "a" is a column, and a quoted function name is not
  // trusted as a built-in.
  constexpr sql::LexMode kAnsi{.ansi_quotes = true};
  EXPECT_EQ(ClassifyQuery(R"(SELECT "a" FROM t)", kAnsi).route, kReplica);
  EXPECT_EQ(ClassifyQuery(R"(SELECT "now"())", kAnsi).reason, "function");
  EXPECT_EQ(ClassifyQuery(R"(SELECT "now"())", kDefault).reason, "unparsable");
  // With backslash escapes the DELETE is inside the string; without, it is
  // a second statement.
  constexpr std::string_view kText = R"(SELECT 'a\'; DELETE FROM t; -- ')";
  EXPECT_EQ(ClassifyQuery(kText, kDefault).route, kReplica);
  constexpr sql::LexMode kNoEscapes{.no_backslash_escapes = true};
  RouteDecision d = ClassifyQuery(kText, kNoEscapes);
  EXPECT_EQ(d.route, kPrimary);
  EXPECT_EQ(d.reason, "multi-statement");
}

TEST(ClassifyQueryTest, OnlyReadOnlyBuiltinsAreAllowed) {
  for (std::string_view name :
       {"LAST_INSERT_ID", "GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS",
        "IS_FREE_LOCK", "IS_USED_LOCK", "SLEEP", "BENCHMARK", "NEXTVAL",
        "SETVAL", "LASTVAL", "FOUND_ROWS", "ROW_COUNT", "MASTER_GTID_WAIT",
        "MASTER_POS_WAIT", "UUID_SHORT", "CONNECTION_ID", "BINLOG_GTID_POS"}) {
    EXPECT_TRUE(sql::IsBuiltinFunction(name)) << name;
    EXPECT_FALSE(IsReadOnlyBuiltin(name)) << name;
  }
  EXPECT_FALSE(IsReadOnlyBuiltin("LOAD_FILE"));
  EXPECT_FALSE(IsReadOnlyBuiltin("MYFUNC"));
  EXPECT_FALSE(IsReadOnlyBuiltin("now"));  // names are upper case
  for (std::string_view name : {"NOW", "CONCAT", "COUNT", "IF", "LEFT",
                                "JSON_EXTRACT", "ROW_NUMBER", "UUID"}) {
    EXPECT_TRUE(IsReadOnlyBuiltin(name)) << name;
  }
}

TEST(ClassifyQueryTest, ReplicaOnlyAfterAFullParseOfOneStatement) {
  // Every prefix of a text that mixes reads, comments and a write: no
  // crash, and a replica only for what parses as one statement.
  const std::string text =
      "/* a */ SELECT a, (SELECT MAX(b) FROM u) FROM t WHERE c = 'x;y' -- z\n"
      "UNION SELECT 1 FOR UPDATE; DELETE FROM t WHERE @v := 1";
  for (size_t n = 0; n <= text.size(); ++n) {
    std::string_view prefix(text.data(), n);
    RouteDecision d = ClassifyQuery(prefix, kDefault);
    if (d.route == kReplica) {
      auto parsed = sql::Parse(prefix, kDefault);
      ASSERT_TRUE(parsed.ok()) << prefix;
      EXPECT_EQ(parsed->size(), 1u) << prefix;
      EXPECT_EQ(d.reason, "read");
    }
    EXPECT_FALSE(d.reason.empty()) << prefix;
  }
}

TEST(ClassifyQueryTest, LimitsGoToThePrimary) {
  std::string deep =
      "SELECT " + std::string(300, '(') + "1" + std::string(300, ')');
  EXPECT_EQ(ClassifyQuery(deep, kDefault).reason, "unparsable");
  std::string big = "SELECT '" + std::string(sql::kMaxSqlBytes, 'x') + "'";
  EXPECT_EQ(ClassifyQuery(big, kDefault).reason, "unparsable");
}

TEST(ClassifyQueryTest, RouteNames) {
  EXPECT_EQ(RouteName(Route::kPrimary), "primary");
  EXPECT_EQ(RouteName(Route::kReplica), "replica");
  EXPECT_EQ(RouteName(Route::kAll), "all");
}

TEST(RouteClassifierTest, TextMayCreateTemporaryTable) {
  EXPECT_TRUE(TextMayCreateTemporaryTable("create temporary table tt (a int)"));
  EXPECT_TRUE(TextMayCreateTemporaryTable(
      "CREATE /*!32302 TEMPORARY */ TABLE tt (a INT)"));
  EXPECT_FALSE(TextMayCreateTemporaryTable("SELECT 1"));
  EXPECT_FALSE(TextMayCreateTemporaryTable("CREATE TABLE t (a INT)"));
}

}  // namespace
}  // namespace coffer::proxy
