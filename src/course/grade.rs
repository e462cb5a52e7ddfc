//! Graded cells: run a learner's function on named test cases and show a verdict per case.
//!
//! A [`Grader`] holds test cases, each an input and either a known expected value
//! ([`Grader::case`]) or an input alone whose expected value comes from a reference
//! implementation ([`Grader::input`] with [`Grader::run_against`]). Each case runs on
//! its own thread, so a learner's function that panics (an unfinished `todo!()`),
//! loops forever (a time-out, 10 s by default) or returns the wrong shape becomes a
//! *failed case with a reason*: the grader itself never panics and never takes the
//! kernel down.
//!
//! Comparison ([`Gradeable`]) is exact for integers, booleans and strings, and uses
//! `|got − expected| ≤ atol + rtol·|expected|` for floats (defaults `rtol = 1e-6`,
//! `atol = 1e-9`; NaN equals NaN), element-wise for vectors, arrays, tuples and
//! options.
//!
//! # Graded cells that fail a run
//!
//! A report is only *shown* by default: a learner working through an exercise sees
//! FAIL in the table and carries on. When the environment variable `AI4MED_GRADE`
//! (see [`GradeMode`]) is `strict`, every run of a [`Grader`] whose report is not
//! all-passed also writes the report as text to standard error, starting with
//! `ai4med::course::grade FAILED`. The notebook runner (`tools/run_notebooks.py`) sets
//! `strict` for solution notebooks and fails a notebook on any such line, so a solution
//! that disagrees with a course value fails `make test`; exercise copies run with
//! `AI4MED_GRADE=practice`, where failures are expected and never fatal. This is the
//! nbgrader split between the instructor's validated source and the learner's copy,
//! done with an environment variable because a graded cell cannot fail an evcxr cell
//! without losing the kernel's variables (a panic restarts the process that runs the
//! cells).
//!
//! ```
//! use ai4med::course::grade::Grader;
//! fn prevalence(y: &[u8]) -> f64 {
//!     y.iter().map(|&v| v as f64).sum::<f64>() / y.len() as f64
//! }
//! let report = Grader::new("prevalence")
//!     .case("course example", vec![1u8, 0, 0, 1, 1, 0, 0, 0, 0, 1], 0.4)
//!     .case("all positive", vec![1, 1], 1.0)
//!     .run(|y: Vec<u8>| prevalence(&y));
//! assert!(report.all_passed());
//! assert_eq!(report.to_string().lines().next().unwrap(), "prevalence: all 2 tests passed");
//! ```

use crate::display::{Cell, Table, Tone, escape_html, evcxr_block};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Once, OnceLock, mpsc};
use std::thread::ThreadId;
use std::time::Duration;

/// Float comparison tolerances: `|got − expected| ≤ atol + rtol·|expected|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance (default `1e-6`).
    pub rtol: f64,
    /// Absolute tolerance (default `1e-9`).
    pub atol: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { rtol: 1e-6, atol: 1e-9 }
    }
}

/// A value a graded cell can compare and show.
///
/// ```
/// use ai4med::course::grade::{Gradeable, Tolerance};
/// let t = Tolerance::default();
/// assert!(0.1f64.compare(&(0.1 + 1e-12), t).is_ok());
/// assert!(vec![1, 2].compare(&vec![1, 2, 3], t).unwrap_err().contains("3 elements"));
/// ```
pub trait Gradeable {
    /// Whether values of this type are compared with a [`Tolerance`] (floats, and
    /// containers of them); the report then states the tolerance.
    const TOLERANT: bool = false;
    /// A short description of the value for the results table.
    fn describe(&self) -> String;
    /// `Ok(())` if `self` (what the learner returned) matches `expected`, else why not.
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String>;
}

fn close(got: f64, exp: f64, tol: Tolerance) -> bool {
    if got.is_nan() || exp.is_nan() {
        return got.is_nan() && exp.is_nan();
    }
    if got.is_infinite() || exp.is_infinite() {
        return got == exp;
    }
    (got - exp).abs() <= tol.atol + tol.rtol * exp.abs()
}

pub use crate::display::short_float;

macro_rules! grade_float {
    ($($t:ty),*) => {$(
        impl Gradeable for $t {
            const TOLERANT: bool = true;
            fn describe(&self) -> String { short_float(*self as f64) }
            fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
                if close(*self as f64, *expected as f64, tol) { Ok(()) } else {
                    // Short values, unless they would read the same: then the full ones.
                    let (mut e, mut g) = (short_float(*expected as f64), short_float(*self as f64));
                    if e == g {
                        (e, g) = (format!("{expected:?}"), format!("{self:?}"));
                    }
                    Err(format!("expected {e}, got {g} (difference {:.3e})", (*self as f64 - *expected as f64).abs()))
                }
            }
        }
    )*};
}
grade_float!(f64, f32);

macro_rules! grade_exact {
    ($($t:ty),*) => {$(
        impl Gradeable for $t {
            fn describe(&self) -> String { format!("{self:?}") }
            fn compare(&self, expected: &Self, _tol: Tolerance) -> Result<(), String> {
                if self == expected { Ok(()) } else { Err(format!("expected {expected:?}, got {self:?}")) }
            }
        }
    )*};
}
grade_exact!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, bool, char, String, &'static str, ());

fn describe_seq<'a, T: Gradeable + 'a>(items: impl ExactSizeIterator<Item = &'a T>) -> String {
    let n = items.len();
    let shown: Vec<String> = items.take(8).map(|v| v.describe()).collect();
    if n > 8 { format!("[{}, … ({n} elements)]", shown.join(", ")) } else { format!("[{}]", shown.join(", ")) }
}

fn compare_seq<'a, T: Gradeable + 'a>(
    got: impl ExactSizeIterator<Item = &'a T>,
    exp: impl ExactSizeIterator<Item = &'a T>,
    tol: Tolerance,
) -> Result<(), String> {
    if got.len() != exp.len() {
        return Err(format!("expected {} elements, got {}", exp.len(), got.len()));
    }
    let mut bad = Vec::new();
    for (i, (g, e)) in got.zip(exp).enumerate() {
        if let Err(why) = g.compare(e, tol) {
            bad.push((i, why));
        }
    }
    match bad.first() {
        None => Ok(()),
        Some((i, why)) => Err(format!("{} element(s) differ; first at index {i}: {why}", bad.len())),
    }
}

impl<T: Gradeable> Gradeable for Vec<T> {
    const TOLERANT: bool = T::TOLERANT;
    fn describe(&self) -> String {
        describe_seq(self.iter())
    }
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
        compare_seq(self.iter(), expected.iter(), tol)
    }
}

impl<T: Gradeable, const N: usize> Gradeable for [T; N] {
    const TOLERANT: bool = T::TOLERANT;
    fn describe(&self) -> String {
        describe_seq(self.iter())
    }
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
        compare_seq(self.iter(), expected.iter(), tol)
    }
}

impl<T: Gradeable> Gradeable for Option<T> {
    const TOLERANT: bool = T::TOLERANT;
    fn describe(&self) -> String {
        match self {
            Some(v) => format!("Some({})", v.describe()),
            None => "None".into(),
        }
    }
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
        match (self, expected) {
            (Some(g), Some(e)) => g.compare(e, tol),
            (None, None) => Ok(()),
            _ => Err(format!("expected {}, got {}", expected.describe(), self.describe())),
        }
    }
}

/// Results compare their `Ok` values; two errors count as a match (the case expects a
/// failure); an error where a value was expected shows the error message.
impl<T: Gradeable, E: std::fmt::Display> Gradeable for Result<T, E> {
    const TOLERANT: bool = T::TOLERANT;
    fn describe(&self) -> String {
        match self {
            Ok(v) => v.describe(),
            Err(e) => format!("error: {e}"),
        }
    }
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
        match (self, expected) {
            (Ok(g), Ok(e)) => g.compare(e, tol),
            (Err(_), Err(_)) => Ok(()),
            (Err(e), Ok(_)) => Err(format!("returned an error: {e}")),
            (Ok(g), Err(_)) => Err(format!("expected an error, got {}", g.describe())),
        }
    }
}

macro_rules! grade_tuple {
    ($(($($name:ident $idx:tt),+)),*) => {$(
        impl<$($name: Gradeable),+> Gradeable for ($($name,)+) {
            const TOLERANT: bool = false $(|| $name::TOLERANT)+;
            fn describe(&self) -> String {
                let parts: Vec<String> = vec![$(self.$idx.describe()),+];
                format!("({})", parts.join(", "))
            }
            fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
                $( self.$idx.compare(&expected.$idx, tol).map_err(|e| format!("item {}: {e}", $idx))?; )+
                Ok(())
            }
        }
    )*};
}
grade_tuple!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3), (A 0, B 1, C 2, D 3, E 4));

impl<A, S, D> Gradeable for ndarray::ArrayBase<S, D>
where
    A: Gradeable,
    S: ndarray::Data<Elem = A>,
    D: ndarray::Dimension,
{
    const TOLERANT: bool = A::TOLERANT;
    fn describe(&self) -> String {
        format!("array{:?} {}", self.shape(), describe_seq(self.iter()))
    }
    fn compare(&self, expected: &Self, tol: Tolerance) -> Result<(), String> {
        if self.shape() != expected.shape() {
            return Err(format!("expected shape {:?}, got {:?}", expected.shape(), self.shape()));
        }
        compare_seq(self.iter(), expected.iter(), tol)
    }
}

/// The verdict on one test case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Case name.
    pub name: String,
    /// The expected value, described.
    pub expected: String,
    /// What the learner's function returned (or "panicked", "timed out").
    pub got: String,
    /// Whether it matched.
    pub passed: bool,
    /// Why it failed (empty when passed).
    pub reason: String,
}

/// The verdicts of a [`Grader`] run: text via `Display` (and `Debug`), an HTML table inline.
#[derive(Clone, PartialEq)]
pub struct Report {
    /// The graded function's name.
    pub name: String,
    /// One verdict per case, in order.
    pub cases: Vec<CaseResult>,
    /// The float tolerance the cases were compared with (`None` when the graded values
    /// hold no floats).
    pub tolerance: Option<Tolerance>,
}

impl Report {
    /// Number of passed cases.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }
    /// True when there is at least one case and every case passed.
    pub fn all_passed(&self) -> bool {
        !self.cases.is_empty() && self.passed() == self.cases.len()
    }
    /// One-line summary.
    pub fn summary(&self) -> String {
        let n = self.cases.len();
        if n == 0 {
            format!("{}: no test cases", self.name)
        } else if self.all_passed() {
            format!("{}: all {n} tests passed", self.name)
        } else {
            format!("{}: {} of {n} tests failed", self.name, n - self.passed())
        }
    }
    /// The per-case table (case, expected, got, result, reason).
    pub fn table(&self) -> Table {
        let mut t = Table::new(["case", "expected", "got", "result", "reason"]).max_rows(usize::MAX);
        for c in &self.cases {
            let verdict = if c.passed { Cell::toned("pass", Tone::Good) } else { Cell::toned("FAIL", Tone::Bad) };
            t.push_row([
                Cell::from(c.name.as_str()),
                Cell::from(c.expected.as_str()),
                Cell::from(c.got.as_str()),
                verdict,
                Cell::from(c.reason.as_str()),
            ]);
        }
        t
    }
    /// The comparison rule for floats, when the values hold floats: "floats match when
    /// |got − expected| ≤ 1e-9 + 1e-6·|expected|".
    pub fn tolerance_note(&self) -> Option<String> {
        self.tolerance.map(|t| format!("floats match when |got − expected| ≤ {} + {}·|expected|", short_float(t.atol), short_float(t.rtol)))
    }
    /// The report as JSON, for autograding (`make grade` reads it from the notebook's
    /// outputs rather than from the HTML): `{"function": name, "passed": k, "total": n,
    /// "cases": [{"name", "expected", "got", "passed", "reason"}, …]}`.
    ///
    /// ```
    /// use ai4med::course::grade::Grader;
    /// let r = Grader::new("double").case("two", 2, 4).case("three", 3, 7).run(|x: i32| 2 * x);
    /// let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    /// assert_eq!((v["function"].as_str(), v["passed"].as_u64(), v["total"].as_u64()), (Some("double"), Some(1), Some(2)));
    /// assert_eq!(v["cases"][1]["got"], "6");
    /// ```
    pub fn to_json(&self) -> String {
        let cases: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|c| serde_json::json!({"name": c.name, "expected": c.expected, "got": c.got, "passed": c.passed, "reason": c.reason}))
            .collect();
        serde_json::json!({"function": self.name, "passed": self.passed(), "total": self.cases.len(), "cases": cases}).to_string()
    }

    /// Prints the summary and table as HTML for evcxr, and the same verdicts as JSON under
    /// the MIME type [`GRADE_MIME`] (front ends show the HTML; `make grade` reads the JSON).
    pub fn evcxr_display(&self) {
        let color = if self.all_passed() { "#1e7e34" } else { "#a71d2a" };
        let note = self
            .tolerance_note()
            .map(|n| format!("<p style=\"font-family:sans-serif;font-size:85%;color:#555;margin:2px 0\">{}</p>", escape_html(&n)))
            .unwrap_or_default();
        let html = format!(
            "<div><p style=\"font-family:sans-serif;font-weight:bold;color:{color};margin:4px 0\">{}</p>{}{note}</div>",
            escape_html(&self.summary()),
            self.table().to_html()
        );
        print!("{}", evcxr_block("text/html", &html));
        print!("{}", evcxr_block(GRADE_MIME, &self.to_json()));
    }
}

/// The MIME type of a graded cell's machine-readable result ([`Report::to_json`]), next to
/// its HTML in the same output.
pub const GRADE_MIME: &str = "application/vnd.ai4med.grade+json";

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.summary())?;
        write!(f, "{}", self.table())?;
        match self.tolerance_note() {
            Some(n) => write!(f, "\n{n}"),
            None => Ok(()),
        }
    }
}

/// How a failed [`Report`] is treated; read from the `AI4MED_GRADE` environment variable
/// each time a [`Grader`] runs.
///
/// | `AI4MED_GRADE` | mode | a report with a failed case |
/// |---|---|---|
/// | `strict` (any case) | [`GradeMode::Strict`] | is shown, and written as text to stderr (`ai4med::course::grade FAILED: …`) |
/// | unset, `practice`, anything else | [`GradeMode::Show`] | is shown only |
///
/// nbgrader's counterpart is validating the instructor's notebook (`nbgrader validate`);
/// here the notebook runner fails a solution notebook whose cell wrote to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeMode {
    /// Failed cases are shown in the report only (a learner's session, an exercise run).
    Show,
    /// Failed cases are also written to stderr, which fails a headless solution run.
    Strict,
}

impl GradeMode {
    /// The environment variable that selects the mode.
    pub const ENV: &'static str = "AI4MED_GRADE";

    /// The mode for a value of `AI4MED_GRADE`: `strict` (ignoring case and surrounding
    /// white space) is [`GradeMode::Strict`]; unset or any other value is [`GradeMode::Show`].
    pub fn parse(value: Option<&str>) -> GradeMode {
        match value {
            Some(v) if v.trim().eq_ignore_ascii_case("strict") => GradeMode::Strict,
            _ => GradeMode::Show,
        }
    }

    /// The mode the environment selects now.
    pub fn from_env() -> GradeMode {
        GradeMode::parse(std::env::var(Self::ENV).ok().as_deref())
    }
}

impl Report {
    /// What a run in `mode` writes to stderr for this report: `None` when every case
    /// passed or in [`GradeMode::Show`]; otherwise `ai4med::course::grade FAILED: <summary>`
    /// followed by the per-case table as text (a report with no cases fails too).
    pub fn failure_text(&self, mode: GradeMode) -> Option<String> {
        if mode == GradeMode::Show || self.all_passed() {
            return None;
        }
        let mut s = format!("ai4med::course::grade FAILED: {}\n", self.summary());
        for c in self.cases.iter().filter(|c| !c.passed) {
            if c.reason.starts_with("expected") {
                s.push_str(&format!("  case {:?}: {}\n", c.name, c.reason));
            } else {
                s.push_str(&format!("  case {:?}: expected {}, got {} — {}\n", c.name, c.expected, c.got, c.reason));
            }
        }
        Some(s)
    }

    fn enforce(self) -> Report {
        if let Some(text) = self.failure_text(GradeMode::from_env()) {
            eprint!("{text}");
        }
        self
    }
}

struct Case<I, O> {
    name: String,
    input: I,
    expected: Option<O>,
}

/// A set of test cases for one function.
///
/// `I` is the input handed to the learner's function (use a tuple for several
/// arguments), `O` what it returns. Cases run in order, each on a fresh thread.
pub struct Grader<I, O> {
    name: String,
    cases: Vec<Case<I, O>>,
    tol: Tolerance,
    timeout: Duration,
    reference: Option<Reference<I, O>>,
}

type Reference<I, O> = Arc<dyn Fn(I) -> O + Send + Sync + 'static>;

const GRADE_THREAD: &str = "ai4med-grade";

/// Panic messages of grading threads, keyed by thread, so the default hook's stderr
/// noise does not clutter the notebook (other threads' panics: see [`install_quiet_hook`]).
fn panic_store() -> &'static Mutex<HashMap<ThreadId, String>> {
    static STORE: OnceLock<Mutex<HashMap<ThreadId, String>>> = OnceLock::new();
    STORE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The panic hook of a process that grades (installed by the first [`Grader`]): a grading
/// thread's panic is stored for its report; any other panic prints one short line to
/// stderr instead of the default message and backtrace (evcxr runs cells with
/// `RUST_BACKTRACE=1`, so a learner would see 15 frames of the kernel's internals). A
/// `todo!("NAME")` of a generated exercise ([`crate::course::exercise`]) becomes "`NAME` is not
/// written yet: …". With `AI4MED_BACKTRACE=1` in the kernel's environment, other panics
/// go to the previous hook with their backtrace.
fn install_quiet_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = Arc::new(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| {
            let t = std::thread::current();
            let msg = payload_message(info.payload());
            if t.name() == Some(GRADE_THREAD) {
                if let Ok(mut m) = panic_store().lock() {
                    m.insert(t.id(), msg);
                }
            } else if let Some(line) = unwritten_exercise_line(&msg) {
                eprintln!("{line}");
            } else if std::env::var_os("AI4MED_BACKTRACE").is_some_and(|v| v == "1") {
                previous(info);
            } else {
                // No location: evcxr numbers the lines of the crate it builds from the cells,
                // not of the cell, so a line number would mislead.
                eprintln!("panicked: {msg} (AI4MED_BACKTRACE=1 in the kernel's environment shows the backtrace)");
            }
        }));
    });
}

/// The one line for a `todo!()` panic outside a grader, naming the function when the
/// panic message carries it (`todo!("NAME")`); `None` for any other panic.
fn unwritten_exercise_line(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("not yet implemented")?;
    let name = rest.trim_start_matches(':').trim();
    Some(if name.is_empty() {
        "not written yet: this cell calls a function whose body is still todo!(); finish that exercise above, then run this cell again"
            .to_string()
    } else {
        format!("`{name}` is not written yet: finish that exercise above, then run this cell again")
    })
}

fn payload_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

enum Outcome<O> {
    Returned(O),
    Panicked(String),
    TimedOut,
}

impl<I, O> Grader<I, O>
where
    I: Clone + Send + 'static,
    O: Gradeable + Send + 'static,
{
    /// A grader for the function called `name` (shown in the summary).
    pub fn new(name: impl Into<String>) -> Self {
        install_quiet_hook();
        Grader { name: name.into(), cases: Vec::new(), tol: Tolerance::default(), timeout: Duration::from_secs(10), reference: None }
    }

    /// Adds a case with a known expected value.
    pub fn case(mut self, name: impl Into<String>, input: I, expected: O) -> Self {
        self.cases.push(Case { name: name.into(), input, expected: Some(expected) });
        self
    }

    /// Adds a case whose expected value comes from the reference in [`Grader::run_against`].
    pub fn input(mut self, name: impl Into<String>, input: I) -> Self {
        self.cases.push(Case { name: name.into(), input, expected: None });
        self
    }

    /// Sets the reference implementation that gives the expected value of the cases added
    /// with [`Grader::input`]; [`Grader::run`] then uses it. With the reference and those
    /// cases inside a `// BEGIN HIDDEN TESTS` region, the exercise copy keeps the fixed
    /// cases and loses the reference (nbgrader's hidden tests):
    ///
    /// ```
    /// use ai4med::course::grade::Grader;
    /// let report = Grader::new("double")
    ///     .case("two", 2.0, 4.0)
    ///     // BEGIN HIDDEN TESTS
    ///     .input("seven", 7.0)
    ///     .reference(|x: f64| 2.0 * x)
    ///     // END HIDDEN TESTS
    ///     .run(|x: f64| x + x);
    /// assert!(report.all_passed() && report.cases.len() == 2);
    /// ```
    pub fn reference<R>(mut self, reference: R) -> Self
    where
        R: Fn(I) -> O + Send + Sync + 'static,
    {
        self.reference = Some(Arc::new(reference));
        self
    }

    /// Sets the float tolerances.
    pub fn tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.tol = Tolerance { rtol: rtol.abs(), atol: atol.abs() };
        self
    }

    /// Sets the per-case time limit (default 10 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    fn call<F>(&self, f: &Arc<F>, input: I) -> Outcome<O>
    where
        F: Fn(I) -> O + Send + Sync + 'static,
    {
        install_quiet_hook();
        let (tx, rx) = mpsc::channel();
        let f = Arc::clone(f);
        let spawned = std::thread::Builder::new().name(GRADE_THREAD.into()).spawn(move || {
            let out = f(input);
            let _ = tx.send(out);
        });
        let handle = match spawned {
            Ok(h) => h,
            Err(e) => return Outcome::Panicked(format!("could not start a thread: {e}")),
        };
        let id = handle.thread().id();
        match rx.recv_timeout(self.timeout) {
            Ok(v) => {
                let _ = handle.join();
                Outcome::Returned(v)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Outcome::TimedOut,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let joined = handle.join();
                let stored = panic_store().lock().ok().and_then(|mut m| m.remove(&id));
                let msg = match (stored, joined) {
                    (Some(m), _) => m,
                    (None, Err(p)) => payload_message(&*p),
                    (None, Ok(())) => "the function stopped without returning".to_string(),
                };
                Outcome::Panicked(msg)
            }
        }
    }

    fn verdict(&self, name: &str, expected: Result<&O, String>, got: Outcome<O>) -> CaseResult {
        let exp_s = match &expected {
            Ok(e) => e.describe(),
            Err(why) => format!("({why})"),
        };
        let (got_s, passed, reason) = match got {
            Outcome::Returned(g) => {
                let d = g.describe();
                match expected {
                    Ok(e) => match g.compare(e, self.tol) {
                        Ok(()) => (d, true, String::new()),
                        Err(why) => (d, false, why),
                    },
                    Err(why) => (d, false, why),
                }
            }
            Outcome::Panicked(msg) => {
                let reason = if msg.contains("not yet implemented") || msg.contains("not implemented") {
                    "not implemented yet: replace the todo!() with your code".to_string()
                } else {
                    format!("panicked: {msg}")
                };
                ("(panicked)".into(), false, reason)
            }
            Outcome::TimedOut => (
                "(no result)".into(),
                false,
                format!(
                    "timed out after {:.1} s (an endless loop?); it keeps running in the background until the kernel restarts",
                    self.timeout.as_secs_f64()
                ),
            ),
        };
        CaseResult { name: name.to_string(), expected: exp_s, got: got_s, passed, reason }
    }

    /// Runs the learner's function on every case and compares with the expected values.
    /// Cases added with [`Grader::input`] take theirs from the [`Grader::reference`], and
    /// fail with a reason when there is none. In
    /// [`GradeMode::Strict`] a report with a failed case is also written to stderr.
    pub fn run<F>(self, learner: F) -> Report
    where
        F: Fn(I) -> O + Send + Sync + 'static,
    {
        if let Some(r) = self.reference.clone() {
            return self.run_against(learner, move |i| r(i));
        }
        let f = Arc::new(learner);
        let mut cases = Vec::with_capacity(self.cases.len());
        for c in &self.cases {
            let got = self.call(&f, c.input.clone());
            let expected = c.expected.as_ref().ok_or_else(|| "no expected value: add a reference (Grader::reference)".to_string());
            cases.push(self.verdict(&c.name, expected, got));
        }
        Report { name: self.name.clone(), cases, tolerance: O::TOLERANT.then_some(self.tol) }.enforce()
    }

    /// Runs the reference and the learner's function on every case and compares them.
    /// Cases with a known expected value are checked against that value instead. In
    /// [`GradeMode::Strict`] a report with a failed case is also written to stderr.
    pub fn run_against<F, R>(self, learner: F, reference: R) -> Report
    where
        F: Fn(I) -> O + Send + Sync + 'static,
        R: Fn(I) -> O + Send + Sync + 'static,
    {
        let f = Arc::new(learner);
        let r = Arc::new(reference);
        let mut cases = Vec::with_capacity(self.cases.len());
        for c in &self.cases {
            let got = self.call(&f, c.input.clone());
            let result = match &c.expected {
                Some(e) => self.verdict(&c.name, Ok(e), got),
                None => match self.call(&r, c.input.clone()) {
                    Outcome::Returned(e) => self.verdict(&c.name, Ok(&e), got),
                    Outcome::Panicked(m) => self.verdict(&c.name, Err(format!("reference panicked: {m}")), got),
                    Outcome::TimedOut => self.verdict(&c.name, Err("reference timed out".into()), got),
                },
            };
            cases.push(result);
        }
        Report { name: self.name.clone(), cases, tolerance: O::TOLERANT.then_some(self.tol) }.enforce()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(v: Vec<f64>) -> f64 {
        v.iter().sum()
    }

    #[test]
    fn a_todo_outside_a_grader_is_one_line_naming_the_function() {
        let msg = |f: fn()| payload_message(&*std::panic::catch_unwind(f).unwrap_err());
        #[allow(clippy::diverging_sub_expression)]
        fn stub() {
            todo!("event_rate")
        }
        let named = unwritten_exercise_line(&msg(stub)).unwrap();
        assert_eq!(named, "`event_rate` is not written yet: finish that exercise above, then run this cell again");
        let plain = unwritten_exercise_line(&msg(|| todo!())).unwrap();
        assert!(plain.starts_with("not written yet"), "{plain}");
        assert!(unwritten_exercise_line("index out of bounds").is_none());
        // A todo!() inside a grader is a failed case, not a line on stderr.
        let r = Grader::new("event_rate").case("one", 1.0, 1.0).run(|_: f64| -> f64 { todo!("event_rate") });
        assert_eq!(r.cases[0].reason, "not implemented yet: replace the todo!() with your code");
    }

    #[test]
    fn pass_and_fail_with_tolerance() {
        let r = Grader::new("sum").case("exact", vec![0.1, 0.2], 0.3).case("wrong", vec![1.0], 2.0).run(sum);
        assert_eq!(r.passed(), 1);
        assert!(!r.all_passed());
        assert!(r.cases[1].reason.contains("expected 2, got 1"), "{}", r.cases[1].reason);
        // Under a tolerance tighter than 7 digits show, the reason gives the full values.
        let near = Grader::new("n").tolerance(0.0, 1e-12).case("near", 0.0, 0.30000000001).run(|_x: f64| 0.3);
        assert!(near.cases[0].reason.contains("expected 0.30000000001, got 0.3 "), "{}", near.cases[0].reason);
        assert_eq!(r.summary(), "sum: 1 of 2 tests failed");
        // The table shows short floats.
        assert_eq!(r.cases[0].got, "0.3");
        assert_eq!(r.tolerance_note().unwrap(), "floats match when |got − expected| ≤ 1e-9 + 1e-6·|expected|");
        assert!(r.to_string().ends_with(&r.tolerance_note().unwrap()));
        // Integer-valued graders state no tolerance.
        assert!(Grader::new("n").case("one", 1usize, 1usize).run(|x: usize| x).tolerance.is_none());
        assert!(Grader::new("t").case("pair", (1usize, 0.5), (1usize, 0.5)).run(|x: (usize, f64)| x).tolerance.is_some());
    }

    #[test]
    fn short_floats() {
        for (x, s) in [
            (0.19999999999999996, "0.2"),
            (0.8265139116202946, "0.8265139"),
            (15.029017732492221, "15.02902"),
            (0.0, "0"),
            (-2.5, "-2.5"),
            (3.0, "3"),
            (1.5e-7, "1.5e-7"),
            (6.02214076e23, "6.022141e23"),
            (0.00012345678, "0.0001234568"),
            (123456789.0, "123456789"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(short_float(x), s, "{x}");
        }
    }

    #[test]
    fn todo_becomes_a_failed_case() {
        #[allow(unreachable_code)]
        fn unfinished(_x: Vec<f64>) -> f64 {
            todo!()
        }
        let r = Grader::new("unfinished").case("a", vec![1.0], 1.0).case("b", vec![], 0.0).run(unfinished);
        assert_eq!(r.passed(), 0);
        assert!(r.cases[0].reason.starts_with("not implemented yet"), "{}", r.cases[0].reason);
        assert_eq!(r.cases[1].got, "(panicked)");
    }

    #[test]
    fn panics_are_caught_with_message() {
        let r = Grader::new("index").case("oob", vec![1usize], 0usize).run(|v: Vec<usize>| v[5]);
        assert!(r.cases[0].reason.contains("index out of bounds"), "{}", r.cases[0].reason);
    }

    #[test]
    fn endless_loop_times_out() {
        let r = Grader::new("spin").timeout(Duration::from_millis(200)).case("loops", 0u64, 1u64).run(|x: u64| {
            let mut y = x;
            loop {
                y = y.wrapping_add(1);
                std::hint::black_box(y);
                if y == u64::MAX - 1 {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
        });
        assert!(r.cases[0].reason.starts_with("timed out after 0.2 s"), "{}", r.cases[0].reason);
    }

    #[test]
    fn wrong_length_is_a_reason() {
        let r = Grader::new("lens").case("c", (), vec![1.0, 2.0, 3.0]).run(|_: ()| vec![1.0, 2.0]);
        assert_eq!(r.cases[0].reason, "expected 3 elements, got 2");
    }

    #[test]
    fn against_reference() {
        let r = Grader::new("double")
            .input("one", 1.0)
            .input("two", 2.0)
            .case("fixed", 3.0, 6.0)
            .run_against(|x: f64| if x > 1.5 { x * 2.0 } else { 0.0 }, |x: f64| x * 2.0);
        assert_eq!(r.passed(), 2);
        assert_eq!(r.cases[0].expected, "2");
        let r = Grader::new("no ref").input("x", 1.0).run(|x: f64| x);
        assert!(!r.all_passed());
    }

    #[test]
    fn arrays_tuples_options_results() {
        let t = Tolerance::default();
        let a = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        assert!(a.compare(&a.clone(), t).is_ok());
        assert!(a.compare(&ndarray::array![[1.0, 2.0]], t).unwrap_err().contains("shape"));
        assert!((1, 2.0).compare(&(1, 2.5), t).unwrap_err().starts_with("item 1"));
        assert!(Some(1.0).compare(&None, t).is_err());
        let ok: Result<f64, String> = Ok(1.0);
        let err: Result<f64, String> = Err("bad".into());
        assert!(err.compare(&Err("other".into()), t).is_ok());
        assert_eq!(err.compare(&ok, t).unwrap_err(), "returned an error: bad");
        assert!(f64::NAN.compare(&f64::NAN, t).is_ok());
        assert!(0.0f64.compare(&1e-12, t).is_ok());
    }

    #[test]
    fn report_renders_html_and_text() {
        let r = Grader::new("f").case("a<b", 1i32, 1).case("c", 2, 3).run(|x: i32| x);
        let h = r.table().to_html();
        assert!(h.contains("a&lt;b"));
        assert!(h.contains("FAIL"));
        assert!(roxmltree::Document::parse(&h).is_ok());
        let s = r.to_string();
        assert!(s.starts_with("f: 1 of 2 tests failed\n"));
    }

    #[test]
    fn grade_mode_from_value() {
        assert_eq!(GradeMode::parse(None), GradeMode::Show);
        assert_eq!(GradeMode::parse(Some("strict")), GradeMode::Strict);
        assert_eq!(GradeMode::parse(Some(" STRICT\n")), GradeMode::Strict);
        assert_eq!(GradeMode::parse(Some("practice")), GradeMode::Show);
        assert_eq!(GradeMode::parse(Some("")), GradeMode::Show);
    }

    #[test]
    fn failure_text_only_for_strict_failures() {
        let bad = Grader::new("f").case("ok", 1i32, 1).case("off by one", 2, 3).run(|x: i32| x);
        assert_eq!(bad.failure_text(GradeMode::Show), None);
        let t = bad.failure_text(GradeMode::Strict).unwrap();
        assert!(t.starts_with("ai4med::course::grade FAILED: f: 1 of 2 tests failed\n"), "{t}");
        assert!(t.contains("case \"off by one\": expected 3, got 2\n"), "{t}");
        assert!(!t.contains("\"ok\""), "{t}");
        let good = Grader::new("g").case("ok", 1i32, 1).run(|x: i32| x);
        assert_eq!(good.failure_text(GradeMode::Strict), None);
        let empty = Grader::<i32, i32>::new("none").run(|x| x);
        assert!(empty.failure_text(GradeMode::Strict).unwrap().contains("no test cases"));
    }

    #[test]
    fn empty_grader_is_not_a_pass() {
        let r = Grader::<f64, f64>::new("none").run(|x| x);
        assert!(!r.all_passed());
        assert_eq!(r.summary(), "none: no test cases");
    }
}
