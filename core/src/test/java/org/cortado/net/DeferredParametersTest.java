package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.tensor.Shape;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LoadedNet} allocates no parameter that the caffemodel gives, and gives the others their initial values. */
class DeferredParametersTest {
    @TempDir
    Path dir;

    /** A backend that counts the floats it allocates. */
    private static Backend counting(Backend real, AtomicLong floats) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate")) {
                        floats.addAndGet(((Shape) args[0]).count());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void theCaffemodelsWeightsAreTheOnlyParameterMemory() {
        TinyNet.Files tiny = TinyNet.write(dir, 3);
        AtomicLong floats = new AtomicLong();
        Net net = LoadedNet.load(tiny.deploy(), tiny.caffemodel(), Phase.TEST, counting(new CpuBackend(), floats))
                .net();
        assertEquals(0, floats.get(), "building and loading allocate no parameter (tops come with the first pass)");
        CaffeWeights file = CaffeModelReader.read(tiny.caffemodel());
        for (var layer : net.layers()) {
            for (int k = 0; k < layer.params().size(); k++) {
                float[] want = file.layer(layer.name()).orElseThrow().blobs().get(k).toTensor(layer.params().get(k)
                        .shape()).hostData();
                assertArrayEquals(want, layer.params().get(k).data().hostData(), layer.name() + " blob " + k);
            }
        }
    }

    @Test
    void parametersNoWeightsReplaceGetTheLayersOwnValues() {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("scale net", """
                layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 3 } } }
                layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
                        convolution_param { num_output: 2 kernel_size: 1 } }
                layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
                """, b);
        Net net = LoadedNet.loadNormalized(NetDefinitions.normalize(b.build(), Phase.TEST), LayerInsertion.NONE,
                null, Phase.TEST, new CpuBackend(), Set.of()).net();
        Param factor = net.layer("scale").params().get(0);
        assertArrayEquals(new float[] {1f, 1f}, factor.data().hostData(), "Scale starts as the identity");
        assertArrayEquals(new float[] {0f, 0f}, net.layer("scale").params().get(1).data().hostData());
        assertTrue(net.layer("conv").params().get(0).data().isHost());
        assertEquals(4, net.layer("conv").params().get(0).data().hostData().length);
    }
}
