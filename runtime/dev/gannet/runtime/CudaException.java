// A failed CUDA driver call (or SIMT emulator call): the GannetException CudaDevice's one status check
// throws, carrying the CUresult and its name beside the message that names the call, op and shapes.
package dev.gannet.runtime;

public final class CudaException extends GannetException {
    private static final long serialVersionUID = 1L;
    private final int result;
    private final String resultName;

    public CudaException(String message, int result, String resultName) {
        super(ErrorCode.fromCudaResult(result), message);
        this.result = result;
        this.resultName = resultName;
    }

    /** The CUresult value, e.g. 719. */
    public int result() {
        return result;
    }

    /** Its name from cuGetErrorName, e.g. CUDA_ERROR_LAUNCH_FAILED. */
    public String resultName() {
        return resultName;
    }
}
