// The text tokenizer of the language model: a SentencePiece model (tokenizer.model in a bundle), reached
// through the dlopen'ed module libunipose_spm.so (see spm/spm_module.cpp for why), trained on the corpus
// text and the instruction templates.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace unipose::text {

class TextTokenizer {
 public:
  // Loads a SentencePiece model file; errors name the file.
  static TextTokenizer load(const std::string& model_path);
  // Trains a model from a text file (one sentence per line) with Debian's spm_train: unigram, about
  // `vocab_size` pieces, padding 0, unknown 1, bos 2, eos 3; writes PREFIX.model and PREFIX.vocab.
  static void train(const std::string& input_file, const std::string& model_prefix, int vocab_size);

  std::vector<int> encode(const std::string& text) const;
  std::string decode(const std::vector<int>& ids) const;
  int vocab_size() const;
  int piece_to_id(const std::string& piece) const;
  std::string id_to_piece(int id) const;
  int unk_id() const, bos_id() const, eos_id() const, pad_id() const;

  // Where the module was found (for error reports).
  static std::string module_path();
  // False in AddressSanitizer builds, which refuse to load the module by design (text_tokenizer.cpp): tests
  // that need it skip there and nowhere else.
  static bool module_allowed_in_this_build();

 private:
  struct Handle;
  std::shared_ptr<Handle> handle_;
  std::string path_;
};

}  // namespace unipose::text
