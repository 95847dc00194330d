// The unity translation unit nvcc compiles into gannet's one fatbin (kernels/README.md): every op
// file of kernels/ is included here. Op files keep their helpers in namespace gk_<op>.
#include "include/gk_common.cuh"

// (op files are added here as they are written)
#include "conv2d.cu"
#include "conv_pack.cu"
#include "conv_transpose2d.cu"
#include "gram.cu"
#include "linear.cu"
#include "pad2d.cu"
#include "upsample2d.cu"
#include "pixel_shuffle.cu"
#include "batchnorm.cu"
#include "instancenorm.cu"
#include "pool2d.cu"
#include "elementwise.cu"
#include "cast.cu"
#include "reduce.cu"
