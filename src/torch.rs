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

/// A tensor of shape `C × h × w`, or `1 × C × h × w` (one image of a batch), as an
/// `ndarray` array of `f64` on the CPU, detached from the autograd graph: how a
/// notebook turns activations and their gradients into arrays for
/// [`crate::interpret::grad_cam_from_arrays`] and graded cells. Any other shape is an
/// error naming `tensor`.
///
/// ```
/// use ai4med::tch::{Kind, Tensor};
/// let t = Tensor::arange(12, (Kind::Float, ai4med::tch::Device::Cpu)).view([1, 3, 2, 2]);
/// let a = ai4med::torch::to_array3(&t).unwrap();
/// assert_eq!((a.dim(), a[[2, 1, 0]]), ((3, 2, 2), 10.0));
/// assert!(ai4med::torch::to_array3(&t.view([12])).is_err());
/// ```
pub fn to_array3(tensor: &tch::Tensor) -> crate::Result<ndarray::Array3<f64>> {
    let size = tensor.size();
    let dims: Vec<usize> = match size.as_slice() {
        [1, c, h, w] | [c, h, w] => vec![*c as usize, *h as usize, *w as usize],
        other => return Err(crate::Error::invalid_arg("tensor", format!("expected C × h × w or 1 × C × h × w, got shape {other:?}"))),
    };
    let v = Vec::<f64>::try_from(tensor.detach().to_device(tch::Device::Cpu).to_kind(tch::Kind::Double).flatten(0, -1))?;
    ndarray::Array3::from_shape_vec((dims[0], dims[1], dims[2]), v).map_err(|e| crate::Error::invalid_arg("tensor", e.to_string()))
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
