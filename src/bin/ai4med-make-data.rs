//! `ai4med-make-data`: regenerates the synthetic files bundled under `data/` from their
//! seeded generators. Run from the repository root: `cargo run --bin ai4med-make-data`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = ai4med::data::data_dir();
    let jobs: Vec<(&str, ai4med::Result<String>)> = vec![
        ("cxr14_valid_predictions.csv", ai4med::data::cxr_predictions(1000, 2024).map(|s| s.to_csv())),
        ("risk_factors.csv", ai4med::data::risk_factors(6000, 2020).and_then(|df| ai4med::data::frame_to_csv(&df))),
    ];
    let mut ok = true;
    for (name, content) in jobs {
        let path = dir.join(name);
        match content.and_then(|c| std::fs::write(&path, c).map_err(|e| ai4med::Error::io(&path, e))) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                ok = false;
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
