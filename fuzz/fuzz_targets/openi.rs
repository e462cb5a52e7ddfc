#![no_main]
//! One OpenI report's XML through the loader, the MeSH gold labels and the four labellers
//! on its text: any bytes, never a panic.
#[path = "labellers.rs"]
mod labellers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(report) = ai4med::nlp::parse_openi_xml(&text, "fuzz") else { return };
    let all = labellers::labellers();
    let _ = ai4med::nlp::mesh_labels(&report, &all[0].names());
    for l in all {
        let _ = l.label(&report.text());
    }
});
