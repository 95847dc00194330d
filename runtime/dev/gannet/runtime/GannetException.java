// The one exception type of gannet: a code from ErrorCode and a message that names what is wrong.
package dev.gannet.runtime;

public class GannetException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public GannetException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public GannetException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** The message without the "[CODE] " prefix, for people (the CLI prints this). */
    public String detail() {
        return super.getMessage();
    }

    @Override
    public String getMessage() {
        return "[" + code + "] " + super.getMessage();
    }
}
