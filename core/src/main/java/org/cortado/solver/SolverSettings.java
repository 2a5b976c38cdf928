package org.cortado.solver;

import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.SolverParameter;

/**
 * The parts of Caffe's SolverParameter that shape training, checked. Fields and defaults are Caffe's; the
 * learning-rate policies are those of {@link LearningRate}.
 *
 * @param type          SGD, Nesterov or Adam ({@code type}, or the legacy {@code solver_type} enum)
 * @param momentum      SGD/Nesterov momentum, Adam's beta1
 * @param momentum2     Adam's beta2
 * @param delta         Adam's epsilon
 * @param iterSize      forward/backward passes whose gradients are accumulated (and averaged) per update
 * @param clipGradients the L2 norm above which all gradients are scaled down together; negative: off
 * @param maxIter       the iteration count of the poly policy (and of a run that gives no epochs)
 */
public record SolverSettings(Type type, float baseLr, String lrPolicy, float gamma, float power, int stepsize,
                             List<Integer> stepvalues, int maxIter, float momentum, float momentum2, float delta,
                             float weightDecay, int iterSize, float clipGradients, int display, int snapshot,
                             long randomSeed) {
    public enum Type { SGD, NESTEROV, ADAM }

    public static final List<String> POLICIES = List.of("fixed", "step", "multistep", "exp", "inv", "poly", "sigmoid");

    public SolverSettings {
        stepvalues = List.copyOf(stepvalues);
    }

    /** Reads and checks a solver.prototxt; errors name the file and the field. */
    public static SolverSettings read(Path file) {
        return from(Prototxt.readSolver(file), file.toString());
    }

    /** Checks {@code p}; {@code source} names it in errors. */
    public static SolverSettings from(SolverParameter p, String source) {
        Type type = type(p, source);
        String policy = p.hasLrPolicy() ? p.getLrPolicy() : "fixed";
        if (!POLICIES.contains(policy)) {
            throw bad(source, "lr_policy", "'" + policy + "' is not one of " + POLICIES);
        }
        if (!p.hasBaseLr() || !(p.getBaseLr() >= 0)) {
            throw bad(source, "base_lr", p.hasBaseLr() ? p.getBaseLr() + " must be non-negative" : "is required");
        }
        if ((policy.equals("step") || policy.equals("sigmoid")) && p.getStepsize() <= 0) {
            throw bad(source, "stepsize", "must be positive for lr_policy '" + policy + "', got " + p.getStepsize());
        }
        List<Integer> steps = p.getStepvalueList();
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i) <= steps.get(i - 1)) {
                throw bad(source, "stepvalue", "values must increase, got " + steps);
            }
        }
        if (policy.equals("poly") && p.getMaxIter() <= 0) {
            throw bad(source, "max_iter", "must be positive for lr_policy 'poly'");
        }
        if (p.getIterSize() < 1) {
            throw bad(source, "iter_size", "must be at least 1, got " + p.getIterSize());
        }
        if (!p.getRegularizationType().equals("L2")) {
            throw bad(source, "regularization_type", "'" + p.getRegularizationType() + "' is not supported (L2 is)");
        }
        return new SolverSettings(type, p.getBaseLr(), policy, p.getGamma(), p.getPower(), p.getStepsize(), steps,
                p.getMaxIter(), p.getMomentum(), p.getMomentum2(), p.getDelta(), p.getWeightDecay(), p.getIterSize(),
                p.getClipGradients(), p.getDisplay(), p.getSnapshot(), p.getRandomSeed());
    }

    private static Type type(SolverParameter p, String source) {
        String name;
        if (p.hasType()) {
            name = p.getType();
        } else if (p.hasSolverType()) {
            // Caffe's UpgradeSolverType: the legacy enum names the same solvers.
            name = switch (p.getSolverType()) {
                case SGD -> "SGD";
                case NESTEROV -> "Nesterov";
                case ADAM -> "Adam";
                case ADAGRAD -> "AdaGrad";
                case RMSPROP -> "RMSProp";
                case ADADELTA -> "AdaDelta";
            };
        } else {
            name = "SGD";
        }
        return switch (name) {
            case "SGD" -> Type.SGD;
            case "Nesterov" -> Type.NESTEROV;
            case "Adam" -> Type.ADAM;
            default -> throw bad(source, "type", "solver '" + name + "' is not supported (SGD, Nesterov, Adam are)");
        };
    }

    private static CaffeFormatException bad(String source, String field, String what) {
        return new CaffeFormatException(source + ": " + field + " " + what);
    }

    /** This with another base learning rate. */
    public SolverSettings withBaseLr(float lr) {
        return new SolverSettings(type, lr, lrPolicy, gamma, power, stepsize, stepvalues, maxIter, momentum,
                momentum2, delta, weightDecay, iterSize, clipGradients, display, snapshot, randomSeed);
    }

    /** This with another max_iter (a run given in epochs sets it from the data set size). */
    public SolverSettings withMaxIter(int iterations) {
        return new SolverSettings(type, baseLr, lrPolicy, gamma, power, stepsize, stepvalues, iterations, momentum,
                momentum2, delta, weightDecay, iterSize, clipGradients, display, snapshot, randomSeed);
    }
}
