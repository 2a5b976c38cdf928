package org.cortado.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.cortado.backend.Backend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

/**
 * A reference model of the shared folder with its weights, built on the CPU and on a GPU backend and run forward on
 * the same recorded input, for the parity contracts to compare blob by blob. Skips the test where a file is missing.
 */
record ReferenceNetPair(Net onCpu, Net onGpu, GpuBackend gpu) {

    static ReferenceNetPair forward(String model, String weights, String input, Backend cpu,
                                    Supplier<GpuBackend> gpuBackend) {
        Path dir = NetParityContract.shared();
        for (String f : List.of(model, weights, input)) {
            Assumptions.assumeTrue(Files.isRegularFile(dir.resolve(f)), "shared file " + dir.resolve(f) + " not found");
        }
        GpuBackend gpu = gpuBackend.get();
        NetParameter def = Prototxt.readNet(dir.resolve(model));
        CaffeWeights w = CaffeModelReader.read(dir.resolve(weights));
        Net onCpu = NetProtos.build(def, Phase.TEST, cpu);
        Net onGpu = NetProtos.build(def, Phase.TEST, gpu);
        NetWeights.copy(w, onCpu);
        NetWeights.copy(w, onGpu);
        Tensor in = org.cortado.io.Npy.read(dir.resolve(input));
        String name = onCpu.inputNames().get(0);
        onCpu.forward(Map.of(name, in));
        onGpu.forward(Map.of(name, in));
        return new ReferenceNetPair(onCpu, onGpu, gpu);
    }
}
