package org.cortado.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuning run's curves: the training loss of every iteration with the per-epoch means and validation losses,
 * the accuracies after every epoch, the learning rate; each run of a resumed training in its own colour, and the
 * numbers in tables beside them.
 */
final class TrainingCurves {
    private TrainingCurves() {
    }

    static void render(ReportJson r, RenderContext ctx, Html h, List<FinetunePage.Run> runs) {
        int epochs = r.array("/history").size();
        double[] epoch = new double[epochs];
        double[] iteration = new double[epochs];
        double[] trainLoss = new double[epochs];
        double[] trainAcc = new double[epochs];
        double[] valLoss = new double[epochs];
        double[] valAcc = new double[epochs];
        double[] baseline = new double[epochs];
        double[] rate = new double[epochs];
        Metric metric = Metric.of(r);
        double[] seconds = new double[epochs];
        for (int i = 0; i < epochs; i++) {
            String at = "/history/" + i;
            epoch[i] = r.number(at + "/epoch");
            iteration[i] = r.number(at + "/iteration");
            trainLoss[i] = r.number(at + "/train_loss");
            trainAcc[i] = r.number(at + "/train_accuracy");
            valLoss[i] = r.number(at + "/val_loss");
            valAcc[i] = r.number(at + metric.pointer);
            baseline[i] = metric.baseline == null ? Double.NaN : r.number(at + metric.baseline);
            rate[i] = r.number(at + "/learning_rate");
            seconds[i] = r.number(at + "/seconds");
        }
        h.element("h3", "Training");
        String resumed = runs.size() > 1 ? " The run was resumed " + (runs.size() - 1) + (runs.size() == 2 ? " time"
                : " times") + ": each run has its own colour, and a dashed line marks where it continued." : "";

        LineChart loss = new LineChart("Loss", "iteration", "loss");
        for (int k = 0; k < runs.size(); k++) {
            FinetunePage.Run run = runs.get(k);
            double[][] xy = downsample(run);
            loss.add(LineChart.Series.line(runName(runs, k, "training loss per iteration"), xy[0], xy[1],
                    Palette.colour(k == 0 ? 0 : 3 + k)));
            if (k > 0) {
                loss.mark(run.firstIteration(), "run " + (k + 1) + " from here");
            }
        }
        loss.add(LineChart.Series.dots("training loss, epoch mean", iteration, trainLoss, Palette.colour(1)));
        loss.add(LineChart.Series.dots("validation loss", iteration, valLoss, Palette.colour(2)));
        boolean sampled = runs.stream().anyMatch(run -> run.loss().length > FinetunePage.CURVE_POINTS);
        h.figure(loss.svg(ctx.id("loss")), "Training loss of every iteration (augmented images, dropout on)"
                + (sampled ? ", drawn as means of equal runs of iterations" : "") + ", the mean of each epoch, and"
                + " the validation loss after each epoch (epoch 0: before training)." + resumed
                + " The per-epoch figures are in the accompanying table.");

        LineChart acc = new LineChart(metric.title + " after each epoch", "epoch", metric.axis);
        List<double[]> valByRun = split(runs, iteration, epoch, valAcc);
        for (int k = 0; k < valByRun.size() / 2; k++) {
            acc.add(LineChart.Series.dots(runName(runs, k, "validation " + metric.axis), valByRun.get(2 * k),
                    valByRun.get(2 * k + 1), Palette.colour(k == 0 ? 2 : 3 + k)));
        }
        if (metric.baseline == null) {
            acc.add(new LineChart.Series("training accuracy (augmented)", epoch, trainAcc, Palette.colour(1),
                    true, "5 3", null, null));
        } else {
            acc.add(new LineChart.Series(metric.baselineName, epoch, baseline, Palette.colour(1), true, "5 3", null,
                    null));
        }
        double best = r.number("/best_epoch");
        if (!Double.isNaN(best)) {
            acc.mark(best, "best: epoch " + (int) best);
        }
        double bestValue = Double.NaN;
        for (int i = 0; i < epochs; i++) {
            bestValue = epoch[i] == best ? valAcc[i] : bestValue;
        }
        h.figure(acc.svg(ctx.id("accuracy")), "Validation " + metric.axis + " after each epoch (epoch 0: the net"
                + " before training, with the linear probe's head when it ran) and " + (metric.baseline == null
                ? "the training accuracy of each epoch." : metric.baselineName + ".") + " Best validation "
                + metric.axis + " " + Markup.figure(bestValue, 4) + " after epoch " + (Double.isNaN(best) ? "?"
                : (int) best) + ".");

        LineChart lr = new LineChart("Learning rate", "iteration", "base learning rate");
        for (int k = 0; k < runs.size(); k++) {
            double[][] xy = downsample(new FinetunePage.Run(runs.get(k).firstIteration(), runs.get(k).learningRate(),
                    runs.get(k).learningRate(), 0));
            lr.add(LineChart.Series.line(runName(runs, k, "learning rate"), xy[0], xy[1],
                    Palette.colour(k == 0 ? 0 : 3 + k)));
        }
        if (runs.isEmpty()) {
            lr.add(LineChart.Series.dots("learning rate of the epoch's last iteration", iteration, rate,
                    Palette.colour(0)));
        }
        h.figure(lr.svg(ctx.id("rate")), "The solver's base rate for each iteration; a layer learns at this rate"
                + " times its lr_mult (table of layers below)." + speeds(runs));

        Table t = new Table("Per epoch", "#epoch", "#iteration", "#training loss", "#training accuracy",
                "#validation loss", "#validation " + metric.axis, "#learning rate", "#seconds").wide();
        for (int i = 0; i < epochs; i++) {
            t.rowWithClass(epoch[i] == best ? "best" : null, Markup.figure(epoch[i], 6), Markup.figure(iteration[i],
                    9), Markup.figure(trainLoss[i], 4), Markup.figure(trainAcc[i], 4), Markup.figure(valLoss[i], 4),
                    Markup.figure(valAcc[i], 4), Markup.figure(rate[i], 3), Markup.figure(seconds[i], 3));
        }
        h.table(t);
        iterations(h, runs);
    }

    /**
     * The validation figure drawn per epoch: the accuracy of a softmax classifier, the MSE of a regression, the mean
     * label accuracy of multi-label targets, the last two beside their trivial baselines.
     */
    record Metric(String pointer, String title, String axis, String baseline, String baselineName) {
        static Metric of(ReportJson r) {
            String objective = r.text("/objective");
            if ("euclidean".equals(objective)) {
                return new Metric("/val_targets/mse", "Mean squared error", "MSE", "/val_targets/baseline_mse",
                        "the MSE of predicting the training mean");
            }
            if ("sigmoid_cross_entropy".equals(objective)) {
                return new Metric("/val_targets/mean_label_accuracy", "Mean label accuracy", "mean label accuracy",
                        "/val_targets/baseline_mean_label_accuracy", "that of predicting each label's majority");
            }
            return new Metric("/val_accuracy", "Accuracy", "accuracy", null, null);
        }
    }

    private static String speeds(List<FinetunePage.Run> runs) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < runs.size(); k++) {
            FinetunePage.Run run = runs.get(k);
            s.append(k == 0 ? " Training speed: " : "; ").append(runs.size() > 1 ? "run " + (k + 1) + " " : "")
                    .append(Markup.figure(run.imagesPerSecond(), 3)).append(" images/s (iterations ")
                    .append(run.firstIteration()).append('-').append(run.lastIteration()).append(')');
        }
        return s.length() == 0 ? "" : s.append('.').toString();
    }

    private static String runName(List<FinetunePage.Run> runs, int k, String what) {
        return runs.size() <= 1 ? what : what + ", run " + (k + 1);
    }

    /** The x and y arrays of a run's loss, as means of equal runs of iterations when there are too many. */
    static double[][] downsample(FinetunePage.Run run) {
        int n = run.loss().length;
        int buckets = Math.min(n, FinetunePage.CURVE_POINTS);
        double[] x = new double[buckets];
        double[] y = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            double sx = 0;
            double sy = 0;
            for (int i = from; i < to; i++) {
                sx += run.firstIteration() + i;
                sy += run.loss()[i];
            }
            x[b] = sx / (to - from);
            y[b] = sy / (to - from);
        }
        return new double[][] {x, y};
    }

    /**
     * The (epoch, value) points of each run: an epoch belongs to the run whose iterations include its last one
     * (epoch 0 and the epochs before a resumption to the first run); returned as x, y, x, y, ...
     */
    private static List<double[]> split(List<FinetunePage.Run> runs, double[] iteration, double[] epoch,
            double[] value) {
        int count = Math.max(1, runs.size());
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < epoch.length; i++) {
                if (runOf(runs, iteration[i]) == k) {
                    idx.add(i);
                }
            }
            out.add(idx.stream().mapToDouble(i -> epoch[i]).toArray());
            out.add(idx.stream().mapToDouble(i -> value[i]).toArray());
        }
        return out;
    }

    private static int runOf(List<FinetunePage.Run> runs, double iteration) {
        for (int k = runs.size() - 1; k > 0; k--) {
            if (iteration >= runs.get(k).firstIteration()) {
                return k;
            }
        }
        return 0;
    }

    /** Every iteration's loss and rate (or every k-th of a long run), folded away until asked for. */
    private static void iterations(Html h, List<FinetunePage.Run> runs) {
        int total = runs.stream().mapToInt(run -> run.loss().length).sum();
        if (total == 0) {
            return;
        }
        int step = Math.max(1, (total + FinetunePage.LISTED_ITERATIONS - 1) / FinetunePage.LISTED_ITERATIONS);
        h.open("details").element("summary", "Loss and learning rate of " + (step == 1 ? "every iteration ("
                + total + ")" : "every " + step + "th of " + total + " iterations"));
        Table t = new Table(null, "#run", "#iteration", "#loss", "#learning rate");
        for (int k = 0; k < runs.size(); k++) {
            FinetunePage.Run run = runs.get(k);
            for (int i = 0; i < run.loss().length; i += step) {
                t.row(Integer.toString(k + 1), Integer.toString(run.firstIteration() + i),
                        Markup.figure(run.loss()[i], 4), Markup.figure(run.learningRate()[i], 3));
            }
        }
        h.table(t).close("details");
    }
}
