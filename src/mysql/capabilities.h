// Constants of the MariaDB/MySQL client/server protocol: capability flags,
// server status flags, command bytes and column types.
//
// Capabilities are one uint64_t: the low 32 bits are the standard
// (MySQL) flags, the high 32 bits MariaDB's extended capabilities, which
// MariaDB exchanges only when the kClientMysql bit (bit 0) is clear on
// both sides. Names follow the protocol's (CLIENT_PROTOCOL_41 is
// kClientProtocol41).
#pragma once

#include <cstdint>

namespace coffer::mysql {

// Client/server capability flags.
inline constexpr uint64_t kClientMysql = 1;  // CLIENT_LONG_PASSWORD
inline constexpr uint64_t kClientLongPassword = 1;
inline constexpr uint64_t kClientFoundRows = 2;
inline constexpr uint64_t kClientLongFlag = 4;
inline constexpr uint64_t kClientConnectWithDb = 8;
inline constexpr uint64_t kClientNoSchema = 0x10;
inline constexpr uint64_t kClientCompress = 0x20;
inline constexpr uint64_t kClientOdbc = 0x40;
inline constexpr uint64_t kClientLocalFiles = 0x80;
inline constexpr uint64_t kClientIgnoreSpace = 0x100;
inline constexpr uint64_t kClientProtocol41 = 0x200;
inline constexpr uint64_t kClientInteractive = 0x400;
inline constexpr uint64_t kClientSsl = 0x800;
inline constexpr uint64_t kClientIgnoreSigpipe = 0x1000;
inline constexpr uint64_t kClientTransactions = 0x2000;
inline constexpr uint64_t kClientReserved = 0x4000;
inline constexpr uint64_t kClientSecureConnection = 0x8000;
inline constexpr uint64_t kClientMultiStatements = uint64_t{1} << 16;
inline constexpr uint64_t kClientMultiResults = uint64_t{1} << 17;
inline constexpr uint64_t kClientPsMultiResults = uint64_t{1} << 18;
inline constexpr uint64_t kClientPluginAuth = uint64_t{1} << 19;
inline constexpr uint64_t kClientConnectAttrs = uint64_t{1} << 20;
inline constexpr uint64_t kClientPluginAuthLenencClientData = uint64_t{1} << 21;
inline constexpr uint64_t kClientCanHandleExpiredPasswords = uint64_t{1} << 22;
inline constexpr uint64_t kClientSessionTrack = uint64_t{1} << 23;
inline constexpr uint64_t kClientDeprecateEof = uint64_t{1} << 24;
inline constexpr uint64_t kClientOptionalResultsetMetadata = uint64_t{1} << 25;
inline constexpr uint64_t kClientZstdCompressionAlgorithm = uint64_t{1} << 26;
inline constexpr uint64_t kClientQueryAttributes = uint64_t{1} << 27;
inline constexpr uint64_t kClientCapabilityExtension = uint64_t{1} << 29;
inline constexpr uint64_t kClientSslVerifyServerCert = uint64_t{1} << 30;
inline constexpr uint64_t kClientRememberOptions = uint64_t{1} << 31;

// MariaDB's extended capabilities (the high 32 bits).
inline constexpr uint64_t kMariaDbClientProgress = uint64_t{1} << 32;
inline constexpr uint64_t kMariaDbClientComMulti = uint64_t{1} << 33;
inline constexpr uint64_t kMariaDbClientStmtBulkOperations = uint64_t{1} << 34;
inline constexpr uint64_t kMariaDbClientExtendedTypeInfo = uint64_t{1} << 35;
inline constexpr uint64_t kMariaDbClientCacheMetadata = uint64_t{1} << 36;

// Server status flags (OK and EOF packets).
inline constexpr uint16_t kServerStatusInTrans = 1;
inline constexpr uint16_t kServerStatusAutocommit = 2;
inline constexpr uint16_t kServerMoreResultsExist = 8;
inline constexpr uint16_t kServerQueryNoGoodIndexUsed = 0x10;
inline constexpr uint16_t kServerQueryNoIndexUsed = 0x20;
inline constexpr uint16_t kServerStatusCursorExists = 0x40;
inline constexpr uint16_t kServerStatusLastRowSent = 0x80;
inline constexpr uint16_t kServerStatusDbDropped = 0x100;
inline constexpr uint16_t kServerStatusNoBackslashEscapes = 0x200;
inline constexpr uint16_t kServerStatusMetadataChanged = 0x400;
inline constexpr uint16_t kServerQueryWasSlow = 0x800;
inline constexpr uint16_t kServerPsOutParams = 0x1000;
inline constexpr uint16_t kServerStatusInTransReadonly = 0x2000;
inline constexpr uint16_t kServerSessionStateChanged = 0x4000;

// Command bytes (the first byte of a client command payload).
inline constexpr uint8_t kComSleep = 0x00;
inline constexpr uint8_t kComQuit = 0x01;
inline constexpr uint8_t kComInitDb = 0x02;
inline constexpr uint8_t kComQuery = 0x03;
inline constexpr uint8_t kComFieldList = 0x04;
inline constexpr uint8_t kComCreateDb = 0x05;
inline constexpr uint8_t kComDropDb = 0x06;
inline constexpr uint8_t kComRefresh = 0x07;
inline constexpr uint8_t kComShutdown = 0x08;
inline constexpr uint8_t kComStatistics = 0x09;
inline constexpr uint8_t kComProcessInfo = 0x0a;
inline constexpr uint8_t kComConnect = 0x0b;
inline constexpr uint8_t kComProcessKill = 0x0c;
inline constexpr uint8_t kComDebug = 0x0d;
inline constexpr uint8_t kComPing = 0x0e;
inline constexpr uint8_t kComTime = 0x0f;
inline constexpr uint8_t kComDelayedInsert = 0x10;
inline constexpr uint8_t kComChangeUser = 0x11;
inline constexpr uint8_t kComBinlogDump = 0x12;
inline constexpr uint8_t kComTableDump = 0x13;
inline constexpr uint8_t kComConnectOut = 0x14;
inline constexpr uint8_t kComRegisterSlave = 0x15;
inline constexpr uint8_t kComStmtPrepare = 0x16;
inline constexpr uint8_t kComStmtExecute = 0x17;
inline constexpr uint8_t kComStmtSendLongData = 0x18;
inline constexpr uint8_t kComStmtClose = 0x19;
inline constexpr uint8_t kComStmtReset = 0x1a;
inline constexpr uint8_t kComSetOption = 0x1b;
inline constexpr uint8_t kComStmtFetch = 0x1c;
inline constexpr uint8_t kComDaemon = 0x1d;
inline constexpr uint8_t kComBinlogDumpGtid = 0x1e;
inline constexpr uint8_t kComResetConnection = 0x1f;
inline constexpr uint8_t kComStmtBulkExecute = 0xfa;
inline constexpr uint8_t kComMulti = 0xfe;

// COM_STMT_EXECUTE flags (cursor types).
inline constexpr uint8_t kCursorTypeNoCursor = 0;
inline constexpr uint8_t kCursorTypeReadOnly = 1;
inline constexpr uint8_t kCursorTypeForUpdate = 2;
inline constexpr uint8_t kCursorTypeScrollable = 4;

// Column (field) types.
inline constexpr uint8_t kTypeDecimal = 0;
inline constexpr uint8_t kTypeTiny = 1;
inline constexpr uint8_t kTypeShort = 2;
inline constexpr uint8_t kTypeLong = 3;
inline constexpr uint8_t kTypeFloat = 4;
inline constexpr uint8_t kTypeDouble = 5;
inline constexpr uint8_t kTypeNull = 6;
inline constexpr uint8_t kTypeTimestamp = 7;
inline constexpr uint8_t kTypeLongLong = 8;
inline constexpr uint8_t kTypeInt24 = 9;
inline constexpr uint8_t kTypeDate = 10;
inline constexpr uint8_t kTypeTime = 11;
inline constexpr uint8_t kTypeDateTime = 12;
inline constexpr uint8_t kTypeYear = 13;
inline constexpr uint8_t kTypeNewDate = 14;
inline constexpr uint8_t kTypeVarchar = 15;
inline constexpr uint8_t kTypeBit = 16;
inline constexpr uint8_t kTypeTimestamp2 = 17;
inline constexpr uint8_t kTypeDateTime2 = 18;
inline constexpr uint8_t kTypeTime2 = 19;
inline constexpr uint8_t kTypeJson = 245;
inline constexpr uint8_t kTypeNewDecimal = 246;
inline constexpr uint8_t kTypeEnum = 247;
inline constexpr uint8_t kTypeSet = 248;
inline constexpr uint8_t kTypeTinyBlob = 249;
inline constexpr uint8_t kTypeMediumBlob = 250;
inline constexpr uint8_t kTypeLongBlob = 251;
inline constexpr uint8_t kTypeBlob = 252;
inline constexpr uint8_t kTypeVarString = 253;
inline constexpr uint8_t kTypeString = 254;
inline constexpr uint8_t kTypeGeometry = 255;

// The types whose values are character or byte strings: the ones a
// masking filter rewrites (TINY/MEDIUM/LONG BLOB, BLOB, VARCHAR,
// VAR_STRING, STRING; TEXT columns are BLOBs with a character set).
constexpr bool IsStringType(uint8_t type) {
  switch (type) {
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
    case kTypeBlob:
    case kTypeVarchar:
    case kTypeVarString:
    case kTypeString: return true;
    default: return false;
  }
}

}  // namespace coffer::mysql
