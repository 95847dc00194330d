// What the package store needs to know about one npm package: how to ask npm for it, the file
// npm writes, the checksum and size the file must have, and the cache folder it unpacks into.
package dev.gannet.models.pretrained;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.regex.Pattern;

/**
 * {@code npmSpec} is what {@code npm pack} is given ({@code @scope/name@version}); {@code dirName} is
 * a plain folder name under the store's root; {@code integrity} is npm's {@code sha512-<base64>}.
 */
public record PackageSpec(String npmSpec, String tarballName, String integrity, long bytes, String dirName) {
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]*");

    public PackageSpec {
        // These become file names and a command-line argument: keep them from meaning anything else.
        if (!PLAIN_NAME.matcher(tarballName).matches() || !PLAIN_NAME.matcher(dirName).matches()
                || !npmSpec.matches("@?[A-Za-z0-9][A-Za-z0-9._/@+-]*") || !integrity.startsWith("sha512-")
                || bytes <= 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "package spec " + npmSpec + " / " + tarballName
                    + " / " + dirName + " / " + integrity + " / " + bytes + " is not a plain npm package description");
        }
    }

    /** The spec of one of the UpscalerJS packages gannet knows. */
    public static PackageSpec of(UpscalerJsPackage p) {
        return new PackageSpec(p.npmSpec(), p.tarballName(), p.integrity(), p.tarballBytes(),
                "upscalerjs-" + p.modelName() + "-" + UpscalerJsPackage.VERSION);
    }
}
