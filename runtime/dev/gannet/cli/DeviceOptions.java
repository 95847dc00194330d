// The --device and --precision options the model-running commands share (a picocli mixin).
package dev.gannet.cli;

import dev.gannet.graph.Precision;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.upscale.Upscaler;
import picocli.CommandLine.Option;

final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu, cuda or simt (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", paramLabel = "P", description = "fp32 or fp16 (default: fp32 on cpu, fp16 on cuda).")
    String precision;

    Device open() {
        return Devices.open(device);
    }

    /** The --precision given, else the device's default (Upscaler.defaultPrecision: fp16 on a GPU, fp32 on cpu). */
    Precision precision(Device d) {
        return precision != null ? Precision.parse(precision) : Upscaler.defaultPrecision(d);
    }
}
