//! The tensors of a checkpoint, as `f32` slices.
//!
//! `model.safetensors` is memory-mapped and its `f32` tensors are used in place: loading costs
//! neither a copy nor the memory of one, and only the pages that inference touches are read.
//! `f16`/`bf16`/`f64` tensors are converted to owned `f32` (the engine always computes in
//! `f32`: there is no half-precision code path to fall into). `pytorch_model.bin` (the zip
//! format of `torch.save`) is read through candle's pickle reader into owned `f32`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use filebuffer::FileBuffer;
use safetensors::tensor::Dtype;

use crate::HfError;

/// Where the data of one tensor lives.
#[derive(Debug, Clone)]
enum Loc {
    /// Byte range in the mapped file (4-byte aligned `f32`).
    Mapped(Range<usize>),
    /// Element range in the owned buffer.
    Owned(Range<usize>),
}

/// A handle to one tensor of a [`Weights`].
#[derive(Debug, Clone)]
pub struct Param {
    loc: Loc,
    shape: Vec<usize>,
}

impl Param {
    /// The tensor's shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
}

/// The loaded checkpoint.
pub struct Weights {
    path: PathBuf,
    mapped: Option<FileBuffer>,
    owned: Vec<f32>,
    tensors: HashMap<String, Param>,
    /// Names of the tensors that were converted from a half-precision or f64 dtype.
    converted: usize,
}

impl std::fmt::Debug for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Weights")
            .field("path", &self.path)
            .field("tensors", &self.tensors.len())
            .field("mapped", &self.mapped.is_some())
            .field("owned_floats", &self.owned.len())
            .finish()
    }
}

impl Weights {
    /// Opens the checkpoint of a model directory (`model.safetensors`, else `pytorch_model.bin`).
    pub fn open(dir: &Path) -> Result<Self, HfError> {
        let st = dir.join("model.safetensors");
        if st.is_file() {
            return Self::open_safetensors(&st);
        }
        let bin = dir.join("pytorch_model.bin");
        if bin.is_file() {
            return Self::open_pytorch(&bin);
        }
        Err(HfError::MissingWeights {
            dir: dir.to_path_buf(),
        })
    }

    fn open_safetensors(path: &Path) -> Result<Self, HfError> {
        let buffer = FileBuffer::open(path).map_err(|e| HfError::io(path, &e))?;
        let (header_len, meta) = safetensors::SafeTensors::read_metadata(&buffer)
            .map_err(|e| HfError::weights(path, format!("not a safetensors file ({e})")))?;
        let base = 8 + header_len;
        let mut owned = Vec::new();
        let mut tensors = HashMap::new();
        let mut converted = 0;
        for (name, info) in meta.tensors() {
            let (start, end) = info.data_offsets;
            let range = base + start..base + end;
            let Some(bytes) = buffer.get(range.clone()) else {
                return Err(HfError::weights(
                    path,
                    format!("tensor `{name}` lies outside the file (truncated download?)"),
                ));
            };
            let n: usize = info.shape.iter().product();
            let loc = match info.dtype {
                Dtype::F32 if bytes.len() == 4 * n => {
                    if bytemuck::try_cast_slice::<u8, f32>(bytes).is_ok() {
                        Loc::Mapped(range)
                    } else {
                        push_owned(
                            &mut owned,
                            bytes
                                .chunks_exact(4)
                                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        )
                    }
                }
                Dtype::F16 if bytes.len() == 2 * n => {
                    converted += 1;
                    push_owned(
                        &mut owned,
                        bytes
                            .chunks_exact(2)
                            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()),
                    )
                }
                Dtype::BF16 if bytes.len() == 2 * n => {
                    converted += 1;
                    push_owned(
                        &mut owned,
                        bytes
                            .chunks_exact(2)
                            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()),
                    )
                }
                Dtype::F64 if bytes.len() == 8 * n => {
                    converted += 1;
                    push_owned(
                        &mut owned,
                        bytes.chunks_exact(8).map(|c| {
                            f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
                                as f32
                        }),
                    )
                }
                // Integer buffers (position_ids) are not weights; skip them.
                Dtype::I64 | Dtype::I32 | Dtype::U8 | Dtype::BOOL => continue,
                other => {
                    return Err(HfError::weights(
                        path,
                        format!(
                            "tensor `{name}` has dtype {other:?} with {} bytes for shape {:?}",
                            bytes.len(),
                            info.shape
                        ),
                    ))
                }
            };
            tensors.insert(
                name.clone(),
                Param {
                    loc,
                    shape: info.shape.clone(),
                },
            );
        }
        if converted > 0 {
            tracing::info!(path = %path.display(), converted, "converted half-precision tensors to f32 (inference runs in f32)");
        }
        Ok(Self {
            path: path.to_path_buf(),
            mapped: Some(buffer),
            owned,
            tensors,
            converted,
        })
    }

    fn open_pytorch(path: &Path) -> Result<Self, HfError> {
        let list = candle_core::pickle::read_all(path).map_err(|e| {
            HfError::weights(path, format!("cannot read the PyTorch checkpoint ({e})"))
        })?;
        let mut owned = Vec::new();
        let mut tensors = HashMap::new();
        let mut converted = 0;
        for (name, tensor) in list {
            if !tensor.dtype().is_float() {
                continue;
            }
            if tensor.dtype() != candle_core::DType::F32 {
                converted += 1;
            }
            let shape = tensor.dims().to_vec();
            let values = tensor
                .to_dtype(candle_core::DType::F32)
                .and_then(|t| t.flatten_all())
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(|e| HfError::weights(path, format!("tensor `{name}`: {e}")))?;
            let loc = push_owned(&mut owned, values);
            tensors.insert(name, Param { loc, shape });
        }
        Ok(Self {
            path: path.to_path_buf(),
            mapped: None,
            owned,
            tensors,
            converted,
        })
    }

    /// The weights file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the tensors are used in place from a memory-mapped file.
    pub fn is_mapped(&self) -> bool {
        self.mapped.is_some()
    }

    /// How many tensors were converted to `f32` from another float dtype.
    pub fn converted(&self) -> usize {
        self.converted
    }

    /// The tensor `name` with the expected shape. Older checkpoints are accepted too: names
    /// without the base-model prefix, and `LayerNorm.gamma`/`beta` for `weight`/`bias`.
    pub fn param(&self, name: &str, shape: &[usize]) -> Result<Param, HfError> {
        let mut candidates = vec![name.to_string()];
        for prefix in ["bert.", "roberta.", "distilbert."] {
            if let Some(rest) = name.strip_prefix(prefix) {
                candidates.push(rest.to_string());
            }
        }
        let with_old = candidates
            .iter()
            .filter_map(|c| {
                c.strip_suffix("LayerNorm.weight")
                    .map(|s| format!("{s}LayerNorm.gamma"))
                    .or_else(|| {
                        c.strip_suffix("LayerNorm.bias")
                            .map(|s| format!("{s}LayerNorm.beta"))
                    })
            })
            .collect::<Vec<_>>();
        candidates.extend(with_old);
        let Some(param) = candidates.iter().find_map(|c| self.tensors.get(c)) else {
            return Err(HfError::weights(
                &self.path,
                format!("tensor `{name}` is missing (is this a sequence-classification checkpoint of the declared architecture?)"),
            ));
        };
        if param.shape != shape {
            return Err(HfError::weights(
                &self.path,
                format!(
                    "tensor `{name}` has shape {:?}, config.json implies {shape:?}",
                    param.shape
                ),
            ));
        }
        Ok(param.clone())
    }

    /// Whether a tensor exists (under any accepted name).
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// The data of a tensor.
    #[inline]
    pub fn data(&self, p: &Param) -> &[f32] {
        match &p.loc {
            Loc::Owned(r) => &self.owned[r.clone()],
            Loc::Mapped(r) => match &self.mapped {
                // Alignment was checked when the tensor was registered.
                Some(buf) => bytemuck::try_cast_slice(&buf[r.clone()]).unwrap_or(&[]),
                None => &[],
            },
        }
    }
}

fn push_owned(owned: &mut Vec<f32>, values: impl IntoIterator<Item = f32>) -> Loc {
    let start = owned.len();
    owned.extend(values);
    Loc::Owned(start..owned.len())
}
