// key_store: loading from a file or inline, noticing file changes, and
// keeping the previous keys when a reload fails.

#include "signaling/auth/key_store.hpp"

#include "auth_test_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace switchboard::auth {
namespace {

using namespace test;
namespace fs = std::filesystem;

class AuthKeyStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "auth_key_store_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "jwks.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a new file and renames it over the path: a new inode each time,
  // as editors, `auth keygen --jwks` and Kubernetes volume updates do.
  void replace_file(const std::string& text) {
    const auto tmp = (dir_ / "next").string();
    std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
    fs::rename(tmp, path_);
  }

  fs::path dir_;
  std::string path_;
};

std::string one_key() { return jwks_text({key_for(algorithm::eddsa).generated.public_jwk_json}); }
std::string two_keys() {
  return jwks_text({key_for(algorithm::eddsa).generated.public_jwk_json, key_for(algorithm::es256).generated.public_jwk_json});
}

TEST_F(AuthKeyStore, LoadsAFile) {
  replace_file(one_key());
  key_store store(path_, "");
  EXPECT_EQ(store.path(), path_);
  EXPECT_EQ(store.current(), nullptr);
  EXPECT_TRUE(store.changed_on_disk());  // never loaded yet
  EXPECT_EQ(store.load(), "");
  ASSERT_NE(store.current(), nullptr);
  EXPECT_EQ(store.current()->kids(), std::vector<std::string>{"ed"});
  EXPECT_FALSE(store.changed_on_disk());
}

TEST_F(AuthKeyStore, NoticesAReplacedFileAndReloads) {
  replace_file(one_key());
  key_store store(path_, "");
  ASSERT_EQ(store.load(), "");
  const auto before = store.current();
  replace_file(two_keys());
  EXPECT_TRUE(store.changed_on_disk());
  EXPECT_EQ(store.load(), "");
  EXPECT_FALSE(store.changed_on_disk());
  ASSERT_EQ(store.current()->size(), 2u);
  EXPECT_EQ(before->size(), 1u);  // holders of the old set keep it intact
}

TEST_F(AuthKeyStore, NoticesAnInPlaceRewriteOfAnotherSize) {
  replace_file(one_key());
  key_store store(path_, "");
  ASSERT_EQ(store.load(), "");
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << two_keys();  // same inode, new size
  EXPECT_TRUE(store.changed_on_disk());
}

TEST_F(AuthKeyStore, AFailedReloadKeepsThePreviousKeysAndIsNotRetriedUntilTheFileChanges) {
  replace_file(two_keys());
  key_store store(path_, "");
  ASSERT_EQ(store.load(), "");
  replace_file("{\"keys\": [ broken");
  ASSERT_TRUE(store.changed_on_disk());
  const auto error = store.load();
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("not valid JSON"), std::string::npos) << error;
  ASSERT_NE(store.current(), nullptr);
  EXPECT_EQ(store.current()->size(), 2u);
  EXPECT_FALSE(store.changed_on_disk());
  replace_file(jwks_text({R"({"kty":"oct","alg":"HS256","k":"c2hvcnQ"})"}));
  EXPECT_TRUE(store.changed_on_disk());
  EXPECT_NE(store.load().find("at least 32"), std::string::npos);
  EXPECT_EQ(store.current()->size(), 2u);
  replace_file(one_key());
  EXPECT_EQ(store.load(), "");
  EXPECT_EQ(store.current()->size(), 1u);
}

TEST_F(AuthKeyStore, AMissingFile) {
  key_store store(path_, "");
  const auto error = store.load();
  EXPECT_NE(error.find("cannot open " + path_), std::string::npos) << error;
  EXPECT_EQ(store.current(), nullptr);
  EXPECT_FALSE(store.changed_on_disk());  // still missing: nothing new to read
  replace_file(one_key());
  EXPECT_TRUE(store.changed_on_disk());
  EXPECT_EQ(store.load(), "");
  fs::remove(path_);
  EXPECT_TRUE(store.changed_on_disk());
  EXPECT_NE(store.load(), "");
  EXPECT_NE(store.current(), nullptr);  // the keys loaded before stay
}

TEST_F(AuthKeyStore, RefusesADirectoryAndAHugeFile) {
  key_store dir_store(dir_.string(), "");
  EXPECT_NE(dir_store.load().find("not a regular file"), std::string::npos);
  replace_file(std::string(key_store::max_file_bytes + 1, ' '));
  key_store store(path_, "");
  EXPECT_NE(store.load().find("larger than 1 MiB"), std::string::npos);
}

TEST(AuthKeyStoreInline, LoadsTheDocumentAndNeverReportsChanges) {
  key_store store("", one_key());
  EXPECT_FALSE(store.changed_on_disk());
  EXPECT_EQ(store.load(), "");
  ASSERT_NE(store.current(), nullptr);
  EXPECT_EQ(store.current()->size(), 1u);
  EXPECT_FALSE(store.changed_on_disk());
}

TEST(AuthKeyStoreInline, ABadDocumentNamesTheVariable) {
  key_store store("", R"({"keys":[]})");
  const auto error = store.load();
  EXPECT_NE(error.find("SWITCHBOARD_AUTH_JWKS"), std::string::npos) << error;
  EXPECT_EQ(store.current(), nullptr);
}

}  // namespace
}  // namespace switchboard::auth
