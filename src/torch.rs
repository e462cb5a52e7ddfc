//! libtorch through tch (feature `torch`).
//!
//! tch 0.17 needs libtorch 2.4.0; the project's set-up installs the PyPI `torch==2.4.0`
//! wheel and builds with `LIBTORCH_USE_PYTORCH=1`. At run time the evcxr kernel has
//! torch's `lib/` folder on `LD_LIBRARY_PATH` (set in the kernelspec).

pub use tch;

pub mod fit_cache;

/// The best available device: the first CUDA GPU if libtorch sees one, else the CPU.
pub fn device() -> tch::Device {
    tch::Device::cuda_if_available()
}

/// A one-line description of the libtorch in use: CUDA availability, GPU count and
/// CPU threads.
///
/// ```no_run
/// println!("{}", ai4med::torch::summary());
/// ```
pub fn summary() -> String {
    format!(
        "libtorch (tch 0.17, PyTorch 2.4.0 ABI): CUDA available = {}, GPUs = {}, CPU threads = {}",
        tch::Cuda::is_available(),
        tch::Cuda::device_count(),
        tch::get_num_threads()
    )
}

/// Serialises the crate's tests that draw from libtorch's global random generator
/// (`tch::manual_seed` is process-wide, and cargo runs tests on parallel threads).
#[cfg(test)]
pub(crate) fn test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use tch::Tensor;

    #[test]
    fn tensor_arithmetic_works() {
        let a = Tensor::from_slice(&[1.0f64, 2.0, 3.0]);
        let s = (&a * &a).sum(tch::Kind::Double).double_value(&[]);
        assert_eq!(s, 14.0);
        assert!(super::summary().contains("CUDA available"));
    }
}
