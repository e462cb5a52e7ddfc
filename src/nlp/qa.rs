//! Extractive question answering with BERT on libtorch (feature `torch`): WordPiece
//! tokenization, question/passage packing, a span-prediction model (rust-bert's
//! `BertForQuestionAnswering`), training on examples, answers with document stride, and
//! loading a local Hugging Face-layout checkpoint — never a hub download.
//!
//! | course (medical question answering) | here |
//! |---|---|
//! | `prepare_bert_input(question, passage, tokenizer, max_seq_length)` | [`prepare_bert_input`] → [`BertInput`] |
//! | `get_span_from_scores` | [`crate::nlp::best_span`] |
//! | `construct_answer` | [`crate::nlp::construct_answer`] |
//! | `get_model_answer(model, question, passage, tokenizer)` | [`QaModel::answer`] |
//! | the course's SQuAD-trained BERT (not redistributable offline) | [`QaModel::load_dir`] for a checkpoint you have; [`QaModel::new`] + [`QaModel::fit`] to train a small one |

/// Start and end logits, one row per packed input.
pub type StartEndLogits = (Vec<Vec<f64>>, Vec<Vec<f64>>);
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rust_bert::bert::{BertConfig, BertForQuestionAnswering};
use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
use rust_tokenizers::vocab::Vocab;
use tch::nn::OptimizerConfig;
use tch::{Device, Kind, Tensor, nn};

use crate::nlp::{QaExample, best_span, exact_match};
use crate::torch::fit_cache::{self, CachedFit, FitKey};
use crate::{Error, Result};

/// An uncased WordPiece tokenizer (BERT's), from a `vocab.txt`.
pub struct QaTokenizer {
    inner: BertTokenizer,
    size: usize,
    cls: i64,
    sep: i64,
    pad: i64,
}

impl std::fmt::Debug for QaTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QaTokenizer {{ vocabulary: {} }}", self.size)
    }
}

/// Tokens of a text with their byte spans in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// Word pieces (`##` marks a continuation).
    pub tokens: Vec<String>,
    /// Their ids.
    pub ids: Vec<i64>,
    /// Byte span of each piece in the text.
    pub spans: Vec<(usize, usize)>,
}

impl QaTokenizer {
    /// Reads a BERT `vocab.txt` (one token per line), lower-casing and stripping accents
    /// (uncased BERT); a vocabulary without `[CLS]`, `[SEP]`, `[PAD]` or `[UNK]` is an error.
    pub fn from_file(path: impl AsRef<Path>) -> Result<QaTokenizer> {
        let p = path.as_ref();
        if !p.exists() {
            return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such vocabulary file")));
        }
        let inner = BertTokenizer::from_file(p, true, true).map_err(|e| Error::parse(p.display().to_string(), e.to_string()))?;
        let v = inner.vocab();
        let size = v.values().len();
        for t in ["[CLS]", "[SEP]", "[PAD]", "[UNK]"] {
            if !v.values().contains_key(t) {
                return Err(Error::parse(p.display().to_string(), format!("the vocabulary has no {t} token")));
            }
        }
        let (cls, sep, pad) = (v.token_to_id("[CLS]"), v.token_to_id("[SEP]"), v.token_to_id("[PAD]"));
        Ok(QaTokenizer { inner, size, cls, sep, pad })
    }

    /// The bundled uncased BERT vocabulary (`data/nlp/bert_uncased_vocab.txt`, 30,522 entries).
    pub fn bundled() -> Result<QaTokenizer> {
        Self::from_file(crate::data::data_path("nlp/bert_uncased_vocab.txt")?)
    }

    /// Vocabulary size.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the vocabulary is empty (never, for a loaded one).
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Word pieces of a text with ids and byte spans.
    ///
    /// ```no_run
    /// let t = ai4med::nlp::qa::QaTokenizer::bundled().unwrap();
    /// assert_eq!(t.pieces("Lung masses").tokens, ["lung", "mass", "##es"]);
    /// ```
    pub fn pieces(&self, text: &str) -> Pieces {
        let tw = self.inner.tokenize_with_offsets(text);
        // char offsets → byte offsets
        let mut byte_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        byte_at.push(text.len());
        let spans = tw
            .offsets
            .iter()
            .map(|o| {
                o.map(|o| (byte_at[(o.begin as usize).min(byte_at.len() - 1)], byte_at[(o.end as usize).min(byte_at.len() - 1)]))
                    .unwrap_or((0, 0))
            })
            .collect();
        let ids = self.inner.convert_tokens_to_ids(&tw.tokens);
        Pieces { tokens: tw.tokens, ids, spans }
    }

    /// The id of a vocabulary entry (`"[CLS]"`, `"[SEP]"`, `"[PAD]"`, a word piece), if present.
    pub fn token_id(&self, token: &str) -> Option<i64> {
        self.inner.vocab().values().get(token).copied()
    }

    /// Token ids back to text (word pieces joined).
    pub fn decode(&self, ids: &[i64]) -> String {
        self.inner.decode(ids, true, true)
    }
}

/// A packed model input: `[CLS] question [SEP] passage [SEP]` then padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BertInput {
    /// Token ids, length `max_seq_length`.
    pub input_ids: Vec<i64>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Vec<i64>,
    /// 0 for the question part (with `[CLS]` and the first `[SEP]`), 1 for the passage part.
    pub token_type_ids: Vec<i64>,
    /// The tokens (with `[CLS]`, `[SEP]`, `[PAD]`).
    pub tokens: Vec<String>,
    /// 1 on passage tokens (where an answer may start or end), else 0.
    pub passage_mask: Vec<u8>,
    /// Byte span in the passage of each position (`None` outside the passage).
    pub passage_spans: Vec<Option<(usize, usize)>>,
}

/// The course's `prepare_bert_input`: `[CLS] question [SEP] passage [SEP]`, padded with
/// `[PAD]` to `max_seq_length`, attention mask 1 on real tokens, segment ids 0 for the
/// question part and 1 for the passage part. A passage too long for the space left is cut
/// (use [`prepare_windows`] to cover it with overlapping windows); a question that leaves no
/// room for a passage token is an error, as are an empty question or passage.
pub fn prepare_bert_input(question: &str, passage: &str, tokenizer: &QaTokenizer, max_seq_length: usize) -> Result<BertInput> {
    let w = prepare_windows(question, passage, tokenizer, max_seq_length, usize::MAX)?;
    w.into_iter().next().ok_or_else(|| Error::Empty { what: "passage".into() })
}

/// Like [`prepare_bert_input`] but covering a long passage with windows of passage tokens
/// that start `stride` tokens apart (Hugging Face's `doc_stride` is the overlap; here the
/// step), so every passage token is in at least one window.
pub fn prepare_windows(
    question: &str,
    passage: &str,
    tokenizer: &QaTokenizer,
    max_seq_length: usize,
    stride: usize,
) -> Result<Vec<BertInput>> {
    if question.trim().is_empty() || passage.trim().is_empty() {
        return Err(Error::Empty { what: if question.trim().is_empty() { "question".into() } else { "passage".into() } });
    }
    let q = tokenizer.pieces(question);
    let p = tokenizer.pieces(passage);
    let room = max_seq_length as i64 - q.tokens.len() as i64 - 3;
    if room < 1 {
        return Err(Error::invalid_arg(
            "question",
            format!("{} word pieces leave no room for the passage in max_seq_length {max_seq_length}", q.tokens.len()),
        ));
    }
    let room = room as usize;
    let stride = stride.max(1);
    let mut starts = vec![0usize];
    while stride != usize::MAX && starts.last().is_some_and(|&s| s + room < p.tokens.len()) {
        let next = starts.last().copied().unwrap_or(0) + stride.min(room);
        starts.push(next);
    }
    let mut out = Vec::new();
    for s in starts {
        let e = (s + room).min(p.tokens.len());
        let mut ids = vec![tokenizer.cls];
        let mut toks = vec!["[CLS]".to_string()];
        ids.extend(&q.ids);
        toks.extend(q.tokens.iter().cloned());
        ids.push(tokenizer.sep);
        toks.push("[SEP]".into());
        let qlen = ids.len();
        let mut spans = vec![None; qlen];
        ids.extend(&p.ids[s..e]);
        toks.extend(p.tokens[s..e].iter().cloned());
        spans.extend(p.spans[s..e].iter().map(|&x| Some(x)));
        ids.push(tokenizer.sep);
        toks.push("[SEP]".into());
        spans.push(None);
        let real = ids.len();
        let mut type_ids = vec![0i64; qlen];
        type_ids.extend(std::iter::repeat_n(1, real - qlen));
        let mut mask = vec![1i64; real];
        let mut pmask = vec![0u8; qlen];
        pmask.extend(std::iter::repeat_n(1, e - s));
        pmask.push(0);
        while ids.len() < max_seq_length {
            ids.push(tokenizer.pad);
            toks.push("[PAD]".into());
            type_ids.push(0);
            mask.push(0);
            pmask.push(0);
            spans.push(None);
        }
        out.push(BertInput {
            input_ids: ids,
            attention_mask: mask,
            token_type_ids: type_ids,
            tokens: toks,
            passage_mask: pmask,
            passage_spans: spans,
        });
    }
    Ok(out)
}

/// An answer found by [`QaModel::answer`].
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The answer text, cut from the passage.
    pub text: String,
    /// Byte span in the passage.
    pub span: (usize, usize),
    /// `start score + end score` of the span (logits).
    pub score: f64,
}

/// Settings of [`QaModel::fit`].
#[derive(Debug, Clone)]
pub struct QaTrainConfig {
    /// Epochs over the examples.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// Shuffling seed.
    pub seed: u64,
    /// Print one line per epoch.
    pub verbose: bool,
}

impl Default for QaTrainConfig {
    fn default() -> Self {
        QaTrainConfig { epochs: 4, batch_size: 32, learning_rate: 1e-3, seed: 0, verbose: true }
    }
}

/// A BERT span-prediction model with its tokenizer.
pub struct QaModel {
    vs: nn::VarStore,
    model: BertForQuestionAnswering,
    config: BertConfig,
    tokenizer: QaTokenizer,
    /// Longest packed input.
    pub max_seq_length: usize,
    /// Longest answer in word pieces.
    pub max_answer_len: usize,
}

impl std::fmt::Debug for QaModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QaModel {{ layers: {}, hidden: {}, parameters: {}, max_seq_length: {} }}",
            self.config.num_hidden_layers,
            self.config.hidden_size,
            self.parameter_count(),
            self.max_seq_length
        )
    }
}

/// A small BERT for CPU training: 2 layers, hidden size 64, 2 heads, feed-forward 256,
/// 128 positions, the given vocabulary size.
pub fn tiny_bert_config(vocab_size: usize) -> BertConfig {
    BertConfig {
        hidden_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 256,
        max_position_embeddings: 128,
        vocab_size: vocab_size as i64,
        ..Default::default()
    }
}

impl QaModel {
    /// A model with random weights (libtorch's generator seeded with `seed`, process-wide).
    /// The configuration's vocabulary size must equal the tokenizer's.
    pub fn new(config: &BertConfig, tokenizer: QaTokenizer, seed: u64, device: Device) -> Result<QaModel> {
        if config.vocab_size as usize != tokenizer.len() {
            return Err(Error::invalid_arg(
                "config",
                format!("vocab_size {} does not match the vocabulary's {} tokens", config.vocab_size, tokenizer.len()),
            ));
        }
        if config.hidden_size % config.num_attention_heads != 0 {
            return Err(Error::invalid_arg(
                "config",
                format!("hidden_size {} is not a multiple of num_attention_heads {}", config.hidden_size, config.num_attention_heads),
            ));
        }
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let model = BertForQuestionAnswering::new(vs.root(), config);
        Ok(QaModel {
            vs,
            model,
            config: config.clone(),
            tokenizer,
            max_seq_length: config.max_position_embeddings as usize,
            max_answer_len: 30,
        })
    }

    /// Loads a local Hugging Face-layout checkpoint folder: `config.json`, `vocab.txt`, and
    /// `model.safetensors` (or rust-bert's `rust_model.ot`) holding `bert.*` and
    /// `qa_outputs.*` tensors (a `BertForQuestionAnswering` state dict). Missing files are
    /// named; a vocabulary whose size differs from the configuration's is an error. Nothing
    /// is downloaded.
    pub fn load_dir(dir: impl AsRef<Path>, device: Device) -> Result<QaModel> {
        let dir = dir.as_ref();
        let weights = ["model.safetensors", "rust_model.ot"].iter().map(|f| dir.join(f)).find(|p| p.exists());
        let mut missing: Vec<String> =
            ["config.json", "vocab.txt"].iter().filter(|f| !dir.join(f).exists()).map(|f| f.to_string()).collect();
        if weights.is_none() {
            missing.push("model.safetensors (or rust_model.ot)".into());
        }
        if !missing.is_empty() {
            return Err(Error::invalid_arg("checkpoint", format!("{} lacks {}", dir.display(), missing.join(", "))));
        }
        let cp = dir.join("config.json");
        let text = std::fs::read_to_string(&cp).map_err(|e| Error::io(&cp, e))?;
        let config: BertConfig = serde_json::from_str(&text).map_err(|e| Error::parse(cp.display().to_string(), e.to_string()))?;
        let tokenizer = QaTokenizer::from_file(dir.join("vocab.txt"))?;
        let mut m = QaModel::new(&config, tokenizer, 0, device)?;
        let w: PathBuf = weights.unwrap_or_default();
        m.vs.load(&w).map_err(|e| {
            Error::parse(w.display().to_string(), format!("weights do not fit a BertForQuestionAnswering with this config.json: {e}"))
        })?;
        Ok(m)
    }

    /// Writes `config.json`, `vocab.txt` (copied from `vocab`) and `model.safetensors` to a
    /// folder, the layout [`QaModel::load_dir`] reads.
    pub fn save_dir(&self, dir: impl AsRef<Path>, vocab: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let cfg = serde_json::to_string_pretty(&self.config).map_err(|e| Error::parse("config", e.to_string()))?;
        std::fs::write(dir.join("config.json"), cfg).map_err(|e| Error::io(dir.join("config.json"), e))?;
        std::fs::copy(vocab.as_ref(), dir.join("vocab.txt")).map_err(|e| Error::io(vocab.as_ref(), e))?;
        Ok(self.vs.save(dir.join("model.safetensors"))?)
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &QaTokenizer {
        &self.tokenizer
    }
    /// The configuration.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }
    /// Trainable values.
    pub fn parameter_count(&self) -> i64 {
        self.vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
    }

    fn batch(&self, inputs: &[&BertInput]) -> Result<(Tensor, Tensor, Tensor)> {
        let n = inputs.len() as i64;
        let l = self.max_seq_length as i64;
        let cat = |f: &dyn Fn(&BertInput) -> &Vec<i64>| -> Result<Tensor> {
            Ok(Tensor::f_from_slice(&inputs.iter().flat_map(|b| f(b).iter().copied()).collect::<Vec<i64>>())?
                .f_reshape([n, l])?
                .to_device(self.vs.device()))
        };
        Ok((cat(&|b| &b.input_ids)?, cat(&|b| &b.attention_mask)?, cat(&|b| &b.token_type_ids)?))
    }

    /// Start and end logits of packed inputs, `[n, max_seq_length]` each.
    pub fn scores(&self, inputs: &[&BertInput]) -> Result<StartEndLogits> {
        if inputs.is_empty() {
            return Ok((vec![], vec![]));
        }
        let _g = tch::no_grad_guard();
        let (ids, mask, types) = self.batch(inputs)?;
        let out = self.model.forward_t(Some(&ids), Some(&mask), Some(&types), None, None, false);
        let conv = |t: &Tensor| -> Result<Vec<Vec<f64>>> {
            let v: Vec<f64> = Vec::<f64>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Double).flatten(0, -1))?;
            Ok(v.chunks(self.max_seq_length).map(|c| c.to_vec()).collect())
        };
        Ok((conv(&out.start_logits)?, conv(&out.end_logits)?))
    }

    /// Answers a question from a passage: packs it in windows (stride half the room),
    /// scores every window, takes the best span inside the passage of each
    /// ([`best_span`], at most `max_answer_len` pieces) and the best over windows, and cuts
    /// the answer from the passage by the pieces' byte spans.
    pub fn answer(&self, question: &str, passage: &str) -> Result<Answer> {
        let room = self.max_seq_length.saturating_sub(self.tokenizer.pieces(question).tokens.len() + 3).max(1);
        let wins = prepare_windows(question, passage, &self.tokenizer, self.max_seq_length, (room / 2).max(1))?;
        let refs: Vec<&BertInput> = wins.iter().collect();
        let (st, en) = self.scores(&refs)?;
        let mut best: Option<Answer> = None;
        for (k, w) in wins.iter().enumerate() {
            let (i, j) = best_span(&st[k], &en[k], &w.passage_mask, Some(self.max_answer_len))?;
            let score = st[k][i] + en[k][j];
            if let (Some(a), Some(b)) = (w.passage_spans[i], w.passage_spans[j])
                && best.as_ref().is_none_or(|x| score > x.score)
            {
                best = Some(Answer { text: passage[a.0..b.1].to_string(), span: (a.0, b.1), score });
            }
        }
        best.ok_or_else(|| Error::undefined("answer", "no passage token in any window"))
    }

    /// Turns an example into a packed input and its answer's token positions (`None` when
    /// the answer does not fit in the first window).
    pub fn encode_example(&self, ex: &QaExample) -> Result<Option<(BertInput, i64, i64)>> {
        let inp = prepare_bert_input(&ex.question, &ex.passage, &self.tokenizer, self.max_seq_length)?;
        let (a, z) = (ex.answer_start, ex.answer_start + ex.answer.len());
        let s = inp.passage_spans.iter().position(|sp| sp.is_some_and(|(x, y)| x <= a && a < y.max(x + 1)));
        let e = inp.passage_spans.iter().rposition(|sp| sp.is_some_and(|(x, _)| x < z));
        Ok(match (s, e) {
            (Some(s), Some(e)) if s <= e => Some((inp, s as i64, e as i64)),
            _ => None,
        })
    }

    /// Trains on examples with AdamW, the loss the mean of the start and end cross-entropies;
    /// prints the mean loss per epoch when `verbose`. Returns the losses. With
    /// `AI4MED_MODEL_CACHE` set, a fit that already ran with the same examples, settings and
    /// initial weights is loaded instead of repeated ([`crate::torch::fit_cache`]).
    pub fn fit(&mut self, examples: &[QaExample], config: &QaTrainConfig) -> Result<Vec<f64>> {
        if examples.is_empty() || config.batch_size == 0 || config.epochs == 0 {
            return Err(Error::invalid_arg("fit", "need examples, batch_size ≥ 1 and epochs ≥ 1"));
        }
        let enc: Vec<(BertInput, i64, i64)> =
            examples.iter().map(|e| self.encode_example(e)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
        if enc.is_empty() {
            return Err(Error::undefined("training set", "no example's answer fits in max_seq_length"));
        }
        let cache = CachedFit::open(|| {
            let mut key = FitKey::new("QaModel::fit", self.vs.device());
            key.text(&serde_json::to_string(&self.config).unwrap_or_default())
                .i64s([self.max_seq_length as i64, self.tokenizer.len() as i64]);
            key.var_store(&self.vs)?;
            for (inp, s, e) in &enc {
                key.i64s(inp.input_ids.iter().chain(&inp.attention_mask).chain(&inp.token_type_ids).copied().chain([*s, *e]));
            }
            key.text(&format!("{:?}", QaTrainConfig { verbose: false, ..config.clone() }));
            Ok(key)
        });
        let parse = |r: &serde_json::Value| fit_cache::from_bits(r).filter(|l| l.len() == config.epochs);
        if let Some(hit) = cache.as_ref().and_then(|c| c.load(&mut self.vs, parse)) {
            CachedFit::replay(&hit.lines, config.verbose);
            return Ok(hit.record);
        }
        let mut lines = Vec::new();
        let mut opt = nn::AdamW::default().build(&self.vs, config.learning_rate)?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..enc.len()).collect();
        let mut losses = Vec::new();
        for epoch in 1..=config.epochs {
            let t0 = std::time::Instant::now();
            order.shuffle(&mut rng);
            let (mut sum, mut steps) = (0.0, 0);
            for chunk in order.chunks(config.batch_size) {
                let b: Vec<&BertInput> = chunk.iter().map(|&i| &enc[i].0).collect();
                let (ids, mask, types) = self.batch(&b)?;
                let s = Tensor::f_from_slice(&chunk.iter().map(|&i| enc[i].1).collect::<Vec<_>>())?.to_device(self.vs.device());
                let e = Tensor::f_from_slice(&chunk.iter().map(|&i| enc[i].2).collect::<Vec<_>>())?.to_device(self.vs.device());
                let out = self.model.forward_t(Some(&ids), Some(&mask), Some(&types), None, None, true);
                let loss = (out.start_logits.cross_entropy_for_logits(&s) + out.end_logits.cross_entropy_for_logits(&e)) / 2.0;
                opt.backward_step(&loss);
                sum += loss.double_value(&[]);
                steps += 1;
            }
            let mean = sum / steps as f64;
            losses.push(mean);
            let line = format!("epoch {epoch}/{}: loss {mean:.4} ({:.1} s)", config.epochs, t0.elapsed().as_secs_f64());
            if config.verbose {
                println!("{line}");
            }
            lines.push(line);
        }
        if let Some(c) = cache {
            c.store(&self.vs, fit_cache::bits(&losses), &lines);
        }
        Ok(losses)
    }

    /// Exact-match rate (SQuAD normalisation) of [`QaModel::answer`] on examples.
    pub fn exact_match_rate(&self, examples: &[QaExample]) -> Result<f64> {
        crate::error::check::non_empty("examples", examples.len())?;
        let mut hits = 0;
        for e in examples {
            if exact_match(&self.answer(&e.question, &e.passage)?.text, &e.answer) {
                hits += 1;
            }
        }
        Ok(hits as f64 / examples.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::synthetic_qa;

    #[test]
    fn packing_follows_the_course() {
        fn shareable<T: Send + Sync>() {}
        shareable::<QaTokenizer>();
        let t = QaTokenizer::bundled().unwrap();
        assert_eq!(t.pieces("Pleural effusions").tokens, ["pl", "##eur", "##al", "e", "##ff", "##usions"]);
        let inp = prepare_bert_input("What is seen?", "Small lung masses.", &t, 16).unwrap();
        assert_eq!(inp.tokens[..5], ["[CLS]", "what", "is", "seen", "?"]);
        assert_eq!(inp.tokens[5], "[SEP]");
        assert_eq!(inp.tokens[6..10], ["small", "lung", "masses", "."]);
        assert_eq!(inp.tokens[10], "[SEP]");
        assert_eq!(inp.tokens[11], "[PAD]");
        assert_eq!(inp.attention_mask.iter().sum::<i64>(), 11);
        assert_eq!(inp.token_type_ids[..6], [0; 6]);
        assert_eq!(inp.token_type_ids[6..11], [1; 5]);
        assert_eq!(inp.passage_mask.iter().map(|&v| v as usize).sum::<usize>(), 4);
        assert_eq!(inp.passage_spans[8], Some((11, 17)));
        assert!(prepare_bert_input("a very long question indeed", "p", &t, 6).is_err());
        assert!(prepare_bert_input("", "p", &t, 16).is_err());
        let w = prepare_windows("q?", "one two three four five six seven eight nine ten", &t, 8, 2).unwrap();
        assert!(w.len() > 1);
        let covered: std::collections::BTreeSet<(usize, usize)> =
            w.iter().flat_map(|x| x.passage_spans.iter().flatten().copied()).collect();
        assert_eq!(covered.len(), 10);
    }

    #[test]
    fn tiny_model_runs_saves_and_loads() {
        let _l = crate::torch::test_lock();
        let t = QaTokenizer::bundled().unwrap();
        let n = t.len();
        let m = QaModel::new(&tiny_bert_config(n), t, 1, Device::Cpu).unwrap();
        let a = m.answer("What medication was started?", "Aspirin 81 mg daily was started on the ward.").unwrap();
        assert!(!a.text.is_empty());
        let dir = std::env::temp_dir().join(format!("ai4med-qa-{}", std::process::id()));
        let vocab = crate::data::data_path("nlp/bert_uncased_vocab.txt").unwrap();
        m.save_dir(&dir, &vocab).unwrap();
        let back = QaModel::load_dir(&dir, Device::Cpu).unwrap();
        assert_eq!(back.answer("What medication was started?", "Aspirin 81 mg daily was started on the ward.").unwrap(), a);
        std::fs::remove_file(dir.join("vocab.txt")).unwrap();
        let e = QaModel::load_dir(&dir, Device::Cpu).unwrap_err().to_string();
        assert!(e.contains("vocab.txt"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
        assert!(QaModel::new(&tiny_bert_config(100), QaTokenizer::bundled().unwrap(), 1, Device::Cpu).is_err());
        let ex = synthetic_qa(5, 1).unwrap();
        assert!(m.encode_example(&ex[0]).unwrap().is_some());
    }
}
