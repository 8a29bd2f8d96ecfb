#include "las/measurement.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/encoding.h"
#include "las/shared_objects.h"
#include "las/test_util.h"
#include "las/unique_fd.h"

namespace coffer::las {
namespace {

using crypto::Sha256Digest;
using testing::TempDir;
using Role = MeasuredObject::Role;

Sha256Digest Identity(uint8_t fill) {
  Sha256Digest digest;
  digest.fill(fill);
  return digest;
}

std::string MeasureHex(const std::string& path, uint8_t identity = 1) {
  StatusOr<Measurement> m = MeasureProgramAt(path, Identity(identity));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? m->Hex() : "";
}

const MeasuredObject* FindObject(const Measurement& m,
                                 const std::string& name) {
  for (const MeasuredObject& object : m.objects) {
    if (object.name == name) return &object;
  }
  return nullptr;
}

TEST(MeasurementTest, CoversProgramAndLibrariesInLoaderOrder) {
  StatusOr<Measurement> m = MeasureProgramAt("/bin/true", Identity(1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_GE(m->objects.size(), 3u);
  EXPECT_EQ(m->objects[0].role, Role::kProgram);
  EXPECT_EQ(m->objects[0].name, "");
  EXPECT_EQ(m->objects[0].content_hash, *HashFileAt("/bin/true"));
  const MeasuredObject* libc = FindObject(*m, "libc.so.6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->role, Role::kSharedObject);
  EXPECT_EQ(libc->content_hash, *HashFileAt(libc->path));
  EXPECT_NE(FindObject(*m, std::string(SystemLoaderPath())), nullptr);
  EXPECT_EQ(m->value, CombineMeasurement(Identity(1), m->objects));
  EXPECT_EQ(m->Hex().size(), 64u);
}

TEST(MeasurementTest, StableAcrossRunsAndLocations) {
  TempDir dir;
  testing::CopyFile("/bin/true", dir.File("true"));
  const std::string original = MeasureHex("/bin/true");
  EXPECT_EQ(MeasureHex("/bin/true"), original);
  EXPECT_EQ(MeasureHex(dir.File("true")), original);
}

TEST(MeasurementTest, ChangesWithTheProgramAndTheRuntime) {
  TempDir dir;
  testing::CopyFile("/bin/true", dir.File("true"));
  const std::string before = MeasureHex(dir.File("true"));
  EXPECT_NE(MeasureHex(dir.File("true"), /*identity=*/2), before);
  testing::AppendByte(dir.File("true"));
  EXPECT_NE(MeasureHex(dir.File("true")), before);
}

TEST(MeasurementTest, ChangesWhenALibraryChanges) {
  TempDir dir;
  const std::string library =
      std::filesystem::path(COFFER_LAS_FIXTURE_LIBRARY).filename();
  testing::CopyFile(COFFER_LAS_FIXTURE_PROGRAM, dir.File("program"));
  testing::CopyFile(COFFER_LAS_FIXTURE_LIBRARY, dir.File(library));

  StatusOr<Measurement> before =
      MeasureProgramAt(dir.File("program"), Identity(1));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const MeasuredObject* object = FindObject(*before, library);
  ASSERT_NE(object, nullptr) << "the program's own library is measured";
  EXPECT_EQ(object->path, dir.File(library)) << "found through $ORIGIN";

  testing::AppendByte(dir.File(library));
  EXPECT_NE(MeasureHex(dir.File("program")), before->Hex());

  std::filesystem::remove(dir.File(library));
  StatusOr<Measurement> missing =
      MeasureProgramAt(dir.File("program"), Identity(1));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(library), std::string::npos)
      << missing.status().ToString();
}

TEST(MeasurementTest, ScriptsMeasureTheirInterpreter) {
  TempDir dir;
  testing::CopyFile("/bin/true", dir.File("interpreter"));
  const std::string script = "#!" + dir.File("interpreter") + " -x\nbody\n";
  testing::WriteBytes(dir.File("script"), script);

  StatusOr<Measurement> m = MeasureProgramAt(dir.File("script"), Identity(1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_GE(m->objects.size(), 3u);
  EXPECT_EQ(m->objects[1].role, Role::kInterpreter);
  EXPECT_EQ(m->objects[1].name, dir.File("interpreter"));
  EXPECT_NE(FindObject(*m, "libc.so.6"), nullptr)
      << "the interpreter's libraries";

  testing::AppendByte(dir.File("interpreter"));
  EXPECT_NE(MeasureHex(dir.File("script")), m->Hex());
  testing::WriteBytes(dir.File("script"), script + "more\n");
  EXPECT_NE(MeasureHex(dir.File("script")), m->Hex());
}

TEST(MeasurementTest, NestedAndMissingInterpreters) {
  TempDir dir;
  // Each script is run by the previous one; execve runs s4, not s5.
  testing::WriteBytes(dir.File("s0"), "#!/bin/sh\n");
  for (int i = 1; i <= 5; ++i) {
    testing::WriteBytes(dir.File("s" + std::to_string(i)),
                        "#!" + dir.File("s" + std::to_string(i - 1)) + "\n");
  }
  EXPECT_TRUE(MeasureProgramAt(dir.File("s4"), Identity(1)).ok());
  StatusOr<Measurement> deep = MeasureProgramAt(dir.File("s5"), Identity(1));
  EXPECT_NE(deep.status().message().find("nested #! interpreters"),
            std::string::npos)
      << deep.status().ToString();

  testing::WriteBytes(dir.File("orphan"), "#!" + dir.File("none") + "\n");
  StatusOr<Measurement> orphan =
      MeasureProgramAt(dir.File("orphan"), Identity(1));
  EXPECT_EQ(orphan.status().code(), StatusCode::kNotFound);
  EXPECT_NE(orphan.status().message().find(dir.File("none")), std::string::npos)
      << orphan.status().ToString();
}

TEST(MeasurementTest, StaticProgramsHaveNoSharedObjects) {
  TempDir dir;
  const Bytes elf = testing::MakeElf(std::nullopt);
  testing::WriteBytes(dir.File("static"), AsString(elf));
  StatusOr<Measurement> m = MeasureProgramAt(dir.File("static"), Identity(1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->objects.size(), 1u);
  EXPECT_EQ(m->objects[0].role, Role::kProgram);
}

TEST(MeasurementTest, ForeignLoadersAndNonExecutablesAreRefused) {
  TempDir dir;
  testing::WriteBytes(dir.File("foreign"),
                      AsString(testing::MakeElf("/opt/other/ld.so")));
  StatusOr<Measurement> foreign =
      MeasureProgramAt(dir.File("foreign"), Identity(1));
  EXPECT_EQ(foreign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(foreign.status().message().find("is not the system loader"),
            std::string::npos)
      << foreign.status().ToString();

  testing::WriteBytes(dir.File("text"), "plain text\n");
  StatusOr<Measurement> text = MeasureProgramAt(dir.File("text"), Identity(1));
  EXPECT_NE(text.status().message().find("not an executable"),
            std::string::npos)
      << text.status().ToString();

  EXPECT_EQ(MeasureProgramAt(dir.File("absent"), Identity(1)).status().code(),
            StatusCode::kNotFound);
}

TEST(MeasurementTest, MeasuresAnOpenDescriptorWithoutMovingIt) {
  UniqueFd fd(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(::lseek(fd.get(), 10, SEEK_SET), 10);
  StatusOr<Measurement> m = MeasureProgram(fd.get(), Identity(1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Hex(), MeasureHex("/bin/true"));
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 10);

  // Still the measured file after its path is gone (as for fexecve).
  TempDir dir;
  testing::CopyFile("/bin/true", dir.File("true"));
  UniqueFd copy(::open(dir.File("true").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(copy.valid());
  std::filesystem::remove(dir.File("true"));
  StatusOr<Measurement> unlinked = MeasureProgram(copy.get(), Identity(1));
  ASSERT_TRUE(unlinked.ok()) << unlinked.status().ToString();
  EXPECT_EQ(unlinked->Hex(), m->Hex());
}

TEST(MeasurementTest, PipesAreNotPrograms) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  StatusOr<Measurement> m = MeasureProgram(read_end.get(), Identity(1));
  EXPECT_EQ(m.status(), InvalidArgumentError("not a regular file"));
}

TEST(MeasurementTest, SelfIsTheExecutableWithItsOwnIdentity) {
  StatusOr<Sha256Digest> identity = SelfIdentity();
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  StatusOr<Measurement> self = MeasureSelf();
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  EXPECT_EQ(self->runtime_identity, *identity);
  EXPECT_EQ(self->objects[0].content_hash, *identity);
  StatusOr<Measurement> by_path = MeasureProgramAt("/proc/self/exe", *identity);
  ASSERT_TRUE(by_path.ok());
  EXPECT_EQ(self->value, by_path->value);
}

TEST(MeasurementTest, EncodingSeparatesNamesFromContents) {
  // Moving a byte between a name and the next object must change the hash.
  MeasuredObject a{Role::kSharedObject, "ab", "", Identity(7)};
  MeasuredObject b{Role::kSharedObject, "c", "", Identity(8)};
  MeasuredObject a2{Role::kSharedObject, "a", "", Identity(7)};
  MeasuredObject b2{Role::kSharedObject, "bc", "", Identity(8)};
  const std::vector<MeasuredObject> first = {a, b};
  const std::vector<MeasuredObject> second = {a2, b2};
  EXPECT_NE(CombineMeasurement(Identity(1), first),
            CombineMeasurement(Identity(1), second));
  // The role counts too; the path (diagnostic only) does not.
  MeasuredObject as_interpreter = a;
  as_interpreter.role = Role::kInterpreter;
  MeasuredObject elsewhere = a;
  elsewhere.path = "/elsewhere";
  const std::vector<MeasuredObject> one = {a};
  const std::vector<MeasuredObject> role = {as_interpreter};
  const std::vector<MeasuredObject> path = {elsewhere};
  EXPECT_NE(CombineMeasurement(Identity(1), one),
            CombineMeasurement(Identity(1), role));
  EXPECT_EQ(CombineMeasurement(Identity(1), one),
            CombineMeasurement(Identity(1), path));
}

}  // namespace
}  // namespace coffer::las
