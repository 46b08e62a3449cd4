// Text-generation metrics as caption papers report them: corpus BLEU-4, ROUGE-L (F-measure) and METEOR, on
// lower-cased word tokens. Each hypothesis is scored against one or more references.
//
// - BLEU-4 (Papineni et al. 2002): modified n-gram precisions for n = 1..4 summed over the corpus, geometric
//   mean with uniform weights, brevity penalty exp(1 - r/c) when the corpus is shorter than the references
//   (r: for each hypothesis the reference length closest to it, the shorter one on a tie). Smoothing: an order
//   with no match at all gets 0.1 matches (Chen & Cherry 2014, method 1); on a corpus this only matters when a
//   whole order is missed, and then BLEU would otherwise be exactly 0.
// - ROUGE-L (Lin 2004): longest common subsequence; P = LCS/|hyp|, R = LCS/|ref|, F = (1+b^2)PR/(R+b^2 P) with
//   b = 1 (F1); the best reference counts; the corpus score is the mean over hypotheses.
// - METEOR (Banerjee & Lavie 2005; parameters alpha 0.9, beta 3, gamma 0.5 of Lavie & Agarwal 2007): words are
//   aligned in three stages, exact form, then Porter stem (Snowball's Porter stemmer), then WordNet synonymy
//   (two words share a synset after WordNet's own base-form rules; only when WordNet 3.0 is installed, see
//   wordnet_available()). Within a stage each hypothesis word, left to right, takes the unaligned reference
//   word that continues the previous alignment if it can, else the first one. Fmean = PR/(alpha P +
//   (1-alpha) R), penalty = gamma (chunks/matches)^beta, score = Fmean (1 - penalty); the best reference
//   counts; the corpus score is the mean over hypotheses.
#pragma once

#include <string>
#include <vector>

#include "core/text/words.h"

namespace unipose::eval {

// Texts enter as lower-cased words (text::tokenize_words).
using text::Words;

// hyps[i] is scored against refs[i] (one or more references each).
double corpus_bleu(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs, int max_order = 4);
double rouge_l(const Words& hyp, const std::vector<Words>& refs);
double corpus_rouge_l(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs);

enum class MeteorModules { Exact, ExactStem, ExactStemSynonym };
double meteor(const Words& hyp, const std::vector<Words>& refs, MeteorModules modules = MeteorModules::ExactStemSynonym);
double corpus_meteor(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs,
                     MeteorModules modules = MeteorModules::ExactStemSynonym);

// Porter stem of a lower-case word (Snowball's "porter" algorithm).
std::string porter_stem(const std::string& word);

// WordNet 3.0 (Debian's wordnet-base, /usr/share/wordnet or $WNSEARCHDIR): present and readable?
bool wordnet_available();
// Do the two words share a WordNet synset (any part of speech, after base-form rules)? False without WordNet.
bool wordnet_synonyms(const std::string& a, const std::string& b);

// "exact, stem (Porter), synonym (WordNet 3.0)" or "exact, stem (Porter); no WordNet" for reports.
std::string meteor_modules_description();

}  // namespace unipose::eval
