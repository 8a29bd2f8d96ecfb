#include "net/address.h"

#include <gtest/gtest.h>

namespace coffer::net {
namespace {

TEST(ParseHostPortTest, AcceptsNamesIpv4AndBracketedIpv6) {
  StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:8081");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8081);
  StatusOr<HostPort> v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(ParseHostPort("localhost:443")->host, "localhost");
}

TEST(ParseHostPortTest, RejectsWithTheReason) {
  EXPECT_EQ(ParseHostPort("127.0.0.1").status().message(),
            "address \"127.0.0.1\" is not HOST:PORT (no port)");
  EXPECT_EQ(ParseHostPort(":80").status().message(),
            "address \":80\" is not HOST:PORT (no host)");
  EXPECT_EQ(ParseHostPort("h:65536").status().message(),
            "address \"h:65536\" is not HOST:PORT (the port must be a number "
            "from 0 to 65535)");
  EXPECT_EQ(ParseHostPort("h:8x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHostPort("::1:80").status().message(),
            "address \"::1:80\" is not HOST:PORT (write an IPv6 address in "
            "brackets: [::1]:8081)");
}

}  // namespace
}  // namespace coffer::net
