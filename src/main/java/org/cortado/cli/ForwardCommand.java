package org.cortado.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.io.Npy;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.InferenceRequest;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado forward}: runs a net on a float32 NCHW array and writes each requested layer's own output (before
 * any in-place layer that follows it) as {@code DIR/<layer name with / as __>.npy}. The net is planned for inference
 * ({@code Net#planInference}): only the requested outputs are kept, and BatchNorm and Scale fold into the
 * convolution before them unless its own output is requested; {@code --verbose} reports the plan's memory and the
 * process's peak.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run a net on an NCHW float32 .npy array and write the named layers' outputs as .npy files.")
final class ForwardCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Option(names = "--input", required = true, paramLabel = "INPUT.npy",
            description = "The input blob: float32, C order, with as many axes as the net's input (N, C, H, W).")
    Path input;

    @Option(names = "--input-blob", paramLabel = "NAME", description = "Which input blob to feed (default: the first).")
    String inputBlob;

    @Option(names = "--outputs", required = true, split = ",", paramLabel = "L1,L2,...",
            description = "Layers whose own outputs to write.")
    List<String> outputs;

    @Option(names = "--out-dir", required = true, paramLabel = "DIR", description = "Folder for the .npy files (created).")
    Path outDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // Where a one-shot run's time goes (--verbose): the JVM's start, loading, the pass (docs/performance.md).
        long started = verbose() ? ManagementFactory.getRuntimeMXBean().getUptime() : 0;
        long t0 = System.nanoTime();
        Tensor x = Npy.read(input);
        try (Backend backend = precision.open(device)) {
            LoadedNet loaded = LoadedNet.load(model.model, model.weights, Phase.TEST, backend);
            Net net = loaded.net();
            String blob = inputBlob != null ? inputBlob : net.inputNames().get(0);
            Shape declared = net.inputShape(blob);
            if (x.shape().rank() != declared.rank()) {
                throw new IllegalArgumentException(input + ": shape " + x.shape() + " has " + x.shape().rank()
                        + " axes; input blob '" + blob + "' takes " + declared.rank() + ", e.g. " + declared);
            }
            if (declared.rank() >= 2 && x.shape().dim(1) != declared.dim(1)) {
                throw new IllegalArgumentException(input + ": shape " + x.shape() + " has " + x.shape().dim(1)
                        + " channels; input blob '" + blob + "' takes " + declared.dim(1));
            }
            // Check every requested layer before running anything, so that a typo costs no forward pass.
            List<Integer> indices = new ArrayList<>();
            for (String name : outputs) {
                try {
                    indices.add(net.indexOf(name));
                } catch (NetDefinitionException e) {
                    throw new NetDefinitionException("--outputs: net '" + net.name() + "' has no layer '" + name + "'");
                }
            }
            // Only the asked outputs survive the pass: every other output shares memory once read.
            net.planInference(InferenceRequest.layerOutputs(outputs));
            long t1 = System.nanoTime();
            net.forward(Map.of(blob, x));
            if (verbose()) {
                spec.commandLine().getErr().printf("time: %.2f s from the JVM's start to the command, %.2f s reading"
                        + " the input and loading the net, %.2f s in the forward pass%n", started / 1e3,
                        (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
                PeakMemory.print(spec.commandLine().getErr(), net.memoryReport());
            }
            Files.createDirectories(outDir);
            for (int k = 0; k < outputs.size(); k++) {
                Tensor y = backend.download(net.topsOf(indices.get(k)).get(0));
                Path file = outDir.resolve(outputs.get(k).replace("/", "__") + ".npy");
                Npy.write(file, y);
                out.printf("%s %s -> %s%n", outputs.get(k), y.shape(), file);
            }
        }
        return 0;
    }

    /** Whether {@code --verbose} was given, before or after the subcommand's name. */
    private boolean verbose() {
        for (picocli.CommandLine c = spec.commandLine(); c != null; c = c.getParent()) {
            if (c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
