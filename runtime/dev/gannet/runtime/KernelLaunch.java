// One kernel launch as a launcher prepared it: which op/dtype/variant, the packed params struct
// (in an automatic arena, freed once unreachable), the tensors it touches (retained while
// queued) and a description naming the op and shapes for error messages.
package dev.gannet.runtime;

import dev.gannet.bindings.Params;
import java.util.List;

public record KernelLaunch(String op, DType dtype, String variant, Params params,
                           List<Tensor> tensors, String description) {}
