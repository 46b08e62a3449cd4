// The GUI's per-pose-change work: skin the body on the CPU (FK + LBS + normals), interleave positions and
// normals, hand the bytes to the Qt3D vertex buffer. Target: under 2 ms for a 10k-vertex body.
// Run: build/bin/bench_ui (configure with -DUNIPOSE_BUILD_BENCHMARKS=ON).
#include <benchmark/benchmark.h>

#include <random>

#include <QCoreApplication>
#include <Qt3DCore/QBuffer>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/pose/pose.h"
#include "ui/viewport.h"

namespace {

using namespace unipose;

void BM_FrameUpdate(benchmark::State& state) {
  // Arg 0: the shipped mannequin; arg 1: a coarser one of about 10k vertices (the reference size).
  const double cell = state.range(0) == 0 ? 0.0125 : 0.0153;
  const auto mesh_data = body::build_mannequin(cell);
  // Pose changes alternate between two poses so nothing can be cached.
  std::mt19937 rng(1);
  std::normal_distribution<double> n(0, 0.4);
  pose::Pose a, b;
  for (int j = 0; j < body::kNumJoints; ++j) {
    a.rotations[j] = Eigen::Vector3d(n(rng), n(rng), n(rng));
    b.rotations[j] = Eigen::Vector3d(n(rng), n(rng), n(rng));
  }
  const std::shared_ptr<const body::BodyModel> body_model =
      state.range(0) == 0 ? body::make_mannequin() : body::make_skinned_body("coarse mannequin", mesh_data);
  Qt3DCore::QBuffer buffer;
  bool flip = false;
  for (auto _ : state) {
    const body::Mesh mesh = body_model->posed_mesh(flip ? a : b);
    buffer.setData(ui::interleave_vertices(mesh));
    flip = !flip;
  }
  state.counters["vertices"] = static_cast<double>(body_model->rest_mesh().vertices.size());
}
BENCHMARK(BM_FrameUpdate)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
