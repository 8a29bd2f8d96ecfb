#include "proxy/gtid.h"

#include <gtest/gtest.h>

namespace coffer::proxy {
namespace {

TEST(GtidListTest, ReadsTheServersForms) {
  EXPECT_EQ(ParseGtidList("0-1-5"), (std::vector<Gtid>{{0, 1, 5}}));
  EXPECT_EQ(ParseGtidList("0-1-5,1-7-3"),
            (std::vector<Gtid>{{0, 1, 5}, {1, 7, 3}}));
  // The server puts a newline after the comma in long lists.
  EXPECT_EQ(ParseGtidList("0-1-5,\n1-7-3"),
            (std::vector<Gtid>{{0, 1, 5}, {1, 7, 3}}));
  EXPECT_EQ(ParseGtidList("0-1-18446744073709551615"),
            (std::vector<Gtid>{{0, 1, 18446744073709551615u}}));
  EXPECT_TRUE(ParseGtidList("").empty());
}

TEST(GtidListTest, SkipsWhatIsNotExactlyAGtid) {
  for (const char* bad :
       {"0-1", "0-1-", "-1-5", "0--5", "0-1-5-6", "0-1-5 ", "0-x-5", "0-1-+5",
        "0-1--5", "0-1-18446744073709551616", "a", ",", "0-1-5x"}) {
    EXPECT_TRUE(ParseGtidList(bad).empty()) << bad;
  }
  // The good items of a list stay.
  EXPECT_EQ(ParseGtidList("junk,0-2-9,,0-1"), (std::vector<Gtid>{{0, 2, 9}}));
}

TEST(GtidListTest, LastSequenceByDomain) {
  EXPECT_EQ(LastSequenceByDomain("0-1-5,1-7-3,0-2-9,0-1-7"),
            (std::map<uint64_t, uint64_t>{{0, 9}, {1, 3}}));
  // A negative number is not read as a huge one (it would look far ahead).
  EXPECT_TRUE(LastSequenceByDomain("0-1--1").empty());
  EXPECT_TRUE(LastSequenceByDomain("garbled").empty());
}

}  // namespace
}  // namespace coffer::proxy
