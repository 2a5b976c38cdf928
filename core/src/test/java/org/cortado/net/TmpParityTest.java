package org.cortado.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.LayerWeights;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.WeightBlob;
import org.cortado.caffe.proto.Caffe;
import org.cortado.layers.Phase;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TmpParityTest {
    static Tensor npy(Path p) throws Exception {
        byte[] b = Files.readAllBytes(p);
        int hl = (b[8] & 0xff) | ((b[9] & 0xff) << 8);
        String header = new String(b, 10, hl);
        String shape = header.replaceAll(".*'shape': \\(([^)]*)\\).*", "$1").trim();
        List<Integer> dims = new ArrayList<>();
        for (String s : shape.split(",")) if (!s.isBlank()) dims.add(Integer.parseInt(s.trim()));
        Shape sh = Shape.of(dims.stream().mapToInt(i -> i).toArray());
        float[] d = new float[sh.count()];
        ByteBuffer.wrap(b, 10 + hl, d.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(d);
        return Tensor.wrap(sh, d);
    }

    static CaffeWeights weights(Path p) throws Exception {
        var net = Caffe.NetParameter.parseFrom(Files.readAllBytes(p));
        List<LayerWeights> out = new ArrayList<>();
        for (var l : net.getLayerList()) {
            List<WeightBlob> blobs = new ArrayList<>();
            for (var b : l.getBlobsList()) {
                float[] d = new float[b.getDataCount()];
                for (int i = 0; i < d.length; i++) d[i] = b.getData(i);
                blobs.add(new WeightBlob(Shape.ofLongs(b.getShape().getDimList().stream().mapToLong(x -> x).toArray()), false, d));
            }
            out.add(new LayerWeights(l.getName(), l.getType(), blobs));
        }
        return new CaffeWeights(p, net.getName(), out);
    }

    @Test
    void squeezenet() throws Exception {
        Path m = Path.of("../../shared/models/squeezenet_v1.0");
        var net = Net.build(Prototxt.readNet(m.resolve("deploy.prototxt")), Phase.TEST, new CpuBackend());
        System.out.println("ignored " + net.copyWeightsFrom(weights(m.resolve("squeezenet_v1.0.caffemodel"))));
        for (String img : List.of("cat", "chelsea")) {
            Path r = Path.of("../../shared/reference/squeezenet_v1.0/" + img);
            long t0 = System.nanoTime();
            net.forward(Map.of("data", npy(r.resolve("input.npy"))));
            System.out.printf("forward %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            try (var files = Files.list(r)) {
                for (Path f : files.sorted().toList()) {
                    String layer = f.getFileName().toString().replace(".npy", "").replace("__", "/");
                    if (layer.equals("input")) continue;
                    Tensor ref = npy(f);
                    float[] got = net.output(layer).hostData();
                    float[] want = ref.hostData();
                    double maxDiff = 0, maxRef = 0;
                    for (int i = 0; i < want.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i])); maxRef = Math.max(maxRef, Math.abs(want[i])); }
                    System.out.printf("%s %s %s maxdiff %.3g maxref %.3g rel %.3g%n", img, layer, ref.shape(), maxDiff, maxRef, maxDiff / Math.max(1, maxRef));
                }
            }
        }
    }
}
