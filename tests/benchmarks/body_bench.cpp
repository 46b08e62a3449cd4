// Speed of the body core: posing the mannequin (FK + skinning + normals), batched FK, and mannequin
// generation. Run: build/bin/bench_body (configure with -DUNIPOSE_BUILD_BENCHMARKS=ON).
#include <benchmark/benchmark.h>

#include <random>

#include "core/body/body_model.h"
#include "core/body/kinematics.h"
#include "core/body/mannequin.h"

namespace unipose::body {
namespace {

PoseParameters some_pose(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 0.4);
  PoseParameters p;
  for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
  return p;
}

void BM_PoseMannequinMesh(benchmark::State& state) {
  const auto model = make_mannequin();
  const PoseParameters p = some_pose(1);
  for (auto _ : state) benchmark::DoNotOptimize(model->posed_mesh(p));
  state.counters["vertices"] = static_cast<double>(model->rest_mesh().vertices.size());
}
BENCHMARK(BM_PoseMannequinMesh)->Unit(benchmark::kMillisecond);

void BM_ForwardKinematicsBatch(benchmark::State& state) {
  std::vector<PoseParameters> poses;
  for (int i = 0; i < state.range(0); ++i) poses.push_back(some_pose(i));
  const auto rot = rotation_matrices(poses);
  const auto rest = to_tensor(mannequin_rest_joints());
  for (auto _ : state) benchmark::DoNotOptimize(forward_kinematics(rot, rest, smpl_parents()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ForwardKinematicsBatch)->Arg(1)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_BuildMannequin(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(build_mannequin());
}
BENCHMARK(BM_BuildMannequin)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace unipose::body

BENCHMARK_MAIN();
