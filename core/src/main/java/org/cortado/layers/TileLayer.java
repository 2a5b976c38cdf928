package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.TileParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Tile: bottom {@code (..., D, ...)} with {@code D} at {@code axis} (default 1), top {@code (..., tiles * D, ...)}:
 * the block of the bottom from {@code axis} on, repeated {@code tiles} times for each index of the axes before.
 * {@code dinp} is the sum of the tiles' gradients.
 */
public final class TileLayer extends Layer {
    public record Params(int axis, int tiles) {
        public static Params from(LayerParameter layer) {
            TileParameter p = layer.getTileParam();
            if (!p.hasTiles() || p.getTiles() < 1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Tile): tiles must be set and "
                        + "positive" + (p.hasTiles() ? ", got " + p.getTiles() : ""));
            }
            return new Params(p.getAxis(), p.getTiles());
        }
    }

    private final Params p;
    private int outer;
    private int inner;

    public TileLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int axis = canonicalAxis(in, p.axis());
        long tiled = (long) in.dim(axis) * p.tiles();
        if ((long) in.count() * p.tiles() > Integer.MAX_VALUE) {
            throw error(p.tiles() + " tiles of bottom " + in + " on axis " + axis + " exceed 2^31-1 elements");
        }
        outer = in.count(0, axis);
        inner = in.countFrom(axis);
        return List.of(in.withDim(axis, (int) tiled));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        int stride = p.tiles() * inner;
        for (int t = 0; t < p.tiles(); t++) {
            backend.copyBlocks(bottoms.get(0), 0, inner, tops.get(0), t * inner, stride, inner, outer, false);
        }
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        int stride = p.tiles() * inner;
        for (int t = 0; t < p.tiles(); t++) {
            backend.copyBlocks(topDiffs.get(0), t * inner, stride, bottomDiffs.get(0), 0, inner, inner, outer, t > 0);
        }
    }
}
