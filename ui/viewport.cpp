#include "ui/viewport.h"

#include <algorithm>
#include <cmath>

#include <QByteArray>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <Qt3DCore/QAttribute>
#include <Qt3DCore/QBuffer>
#include <Qt3DCore/QEntity>
#include <Qt3DCore/QGeometry>
#include <Qt3DCore/QTransform>
#include <Qt3DExtras/QDiffuseSpecularMaterial>
#include <Qt3DExtras/QPhongMaterial>
#include <Qt3DExtras/QPlaneMesh>
#include <Qt3DExtras/QSphereMesh>
#include <Qt3DExtras/QTextureMaterial>
#include <Qt3DExtras/Qt3DWindow>
#include <Qt3DRender/QCamera>
#include <Qt3DRender/QCameraSelector>
#include <Qt3DRender/QClearBuffers>
#include <Qt3DRender/QDirectionalLight>
#include <Qt3DRender/QGeometryRenderer>
#include <Qt3DRender/QLayer>
#include <Qt3DRender/QLayerFilter>
#include <Qt3DRender/QPaintedTextureImage>
#include <Qt3DRender/QRenderSurfaceSelector>
#include <Qt3DRender/QTexture>
#include <Qt3DRender/QViewport>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "ui/pose_document.h"

namespace unipose::ui {
namespace {

constexpr float kFov = 35.0f;
constexpr double kRadiansPerPixel = 0.01;  // joint rotation per pixel of drag
constexpr double kPickRadiusPx = 14.0;
const QColor kBodyColour(214, 180, 140);
const QColor kHandleColour(250, 205, 70);
const QColor kSelectedColour(255, 85, 40);

QVector3D qvec(const Eigen::Vector3d& v) { return QVector3D(float(v.x()), float(v.y()), float(v.z())); }

constexpr float kBoardGap = 0.6f;        // metres between the body's back-most point and the reference photo
constexpr int kMaxPhotoTexture = 2048;  // longest side of the reference photo as a texture (larger ones are scaled down)

// The reference photo as a texture image.
class PhotoTexture : public Qt3DRender::QPaintedTextureImage {
 public:
  explicit PhotoTexture(QImage photo, Qt3DCore::QNode* parent = nullptr) : QPaintedTextureImage(parent), photo_(std::move(photo)) {
    setSize(photo_.size());
    update();  // setSize repaints only when the size changes (a 256 x 256 photo would never be painted)
  }
  void paint(QPainter* painter) override { painter->drawImage(QRect(QPoint(0, 0), photo_.size()), photo_); }

 private:
  QImage photo_;
};


}  // namespace

QByteArray interleave_vertices(const body::Mesh& mesh) {
  QByteArray bytes(static_cast<int>(mesh.vertices.size() * 6 * sizeof(float)), Qt::Uninitialized);
  auto* out = reinterpret_cast<float*>(bytes.data());
  for (size_t i = 0; i < mesh.vertices.size(); ++i) {
    std::memcpy(out + i * 6, mesh.vertices[i].data(), 3 * sizeof(float));
    std::memcpy(out + i * 6 + 3, mesh.normals[i].data(), 3 * sizeof(float));
  }
  return bytes;
}

struct Viewport::Impl {
  PoseDocument* doc = nullptr;
  Qt3DExtras::Qt3DWindow* window = nullptr;
  Qt3DCore::QEntity* root = nullptr;
  Qt3DRender::QCamera* camera = nullptr;
  Qt3DRender::QLayer* scene_layer = nullptr;
  // The reference photo: its board (null without one), its picture size and its weak camera.
  Qt3DCore::QEntity* photo_board = nullptr;
  Qt3DCore::QTransform* photo_transform = nullptr;
  QSizeF photo_size;
  double photo_scale = 0;
  QPointF photo_shift;
  bool aligned = false;
  Qt3DCore::QBuffer* vertex_buffer = nullptr;
  Qt3DCore::QBuffer* index_buffer = nullptr;
  Qt3DCore::QAttribute* position = nullptr;
  Qt3DCore::QAttribute* normal = nullptr;
  Qt3DCore::QAttribute* index = nullptr;
  std::vector<Qt3DCore::QTransform*> handle_transforms;
  std::vector<Qt3DExtras::QPhongMaterial*> handle_materials;
  body::JointFrames frames;
  Eigen::AlignedBox3f bounds;
  Axis axis = Axis::Free;
  QVector3D view_direction{0.6f, 0.3f, 1.0f};
  QVector3D view_up{0, 1, 0};
  int updates = 0;

  enum class Drag { None, Rotate, Orbit, Pan } drag = Drag::None;
  QPointF press, last;
  int drag_joint = -1;
  pose::Pose drag_start;
  Eigen::Matrix3d frames_at_start_parent = Eigen::Matrix3d::Identity();  // parent's world rotation at press

  void build_index_buffer() {
    const auto& faces = doc->body().rest_mesh().faces;
    QByteArray bytes(static_cast<int>(faces.size() * 3 * sizeof(quint32)), Qt::Uninitialized);
    std::memcpy(bytes.data(), faces.data(), bytes.size());
    index_buffer->setData(bytes);
    index->setCount(static_cast<uint>(faces.size() * 3));
  }

  void update_mesh() {
    // One pass of forward kinematics gives the surface and the handles' places (SMPL shape included).
    body::PosedBody posed = doc->body().posed(doc->pose());
    const body::Mesh& mesh = posed.mesh;
    vertex_buffer->setData(interleave_vertices(mesh));
    position->setCount(static_cast<uint>(mesh.vertices.size()));
    normal->setCount(static_cast<uint>(mesh.vertices.size()));
    bounds = mesh.bounds();
    frames = std::move(posed.joints);
    for (int j = 0; j < body::kNumJoints; ++j) handle_transforms[j]->setTranslation(qvec(frames.positions[j]));
    place_board();
    ++updates;
  }

  void update_selection(int selected) {
    for (int j = 0; j < body::kNumJoints; ++j)
      handle_materials[j]->setDiffuse(j == selected ? kSelectedColour : kHandleColour);
    for (int j = 0; j < body::kNumJoints; ++j)
      handle_transforms[j]->setScale(j == selected ? 1.5f : 1.0f);
  }

  void fit() {
    leave_alignment();
    const Eigen::Vector3f c = bounds.center();
    const float radius = 0.5f * bounds.diagonal().norm();
    const float half = float(M_PI) / 180.0f * kFov * 0.5f;
    const float half_min = aspect() < 1 ? std::atan(std::tan(half) * aspect()) : half;
    const float distance = radius / std::sin(half_min) * 1.02f;
    const QVector3D centre(c.x(), c.y(), c.z());
    camera->setUpVector(view_up);
    camera->setViewCenter(centre);
    camera->setPosition(centre + view_direction.normalized() * distance);
  }

  float aspect() const { return window->height() > 0 ? float(window->width()) / float(window->height()) : 1.6f; }

  // Back from the photo's orthographic camera to the perspective one (true when it was aligned); the caller
  // places the camera.
  bool leave_alignment() {
    if (!aligned) return false;
    aligned = false;
    camera->lens()->setPerspectiveProjection(kFov, aspect(), 0.05f, 100.0f);
    return true;
  }

  // From the photo's camera to the perspective camera looking from the front, the body fitted in.
  void front_after_alignment() {
    if (!leave_alignment()) return;
    view_direction = QVector3D(0, 0, 1);
    view_up = QVector3D(0, 1, 0);
    fit();
  }

  // The photo's camera: looking along -z, an orthographic frustum that shows the picture exactly (widened
  // to the window's shape, the picture centred).
  void align() {
    const double s = photo_scale;
    double left = -photo_shift.x() / s, right = (photo_size.width() - photo_shift.x()) / s;
    double bottom = (photo_shift.y() - photo_size.height()) / s, top = photo_shift.y() / s;
    const double cx = (left + right) / 2, cy = (bottom + top) / 2;
    double half_w = (right - left) / 2, half_h = (top - bottom) / 2;
    const double a = aspect();
    if (half_w / half_h < a) half_w = half_h * a;
    else half_h = half_w / a;
    // The camera sits on the axis through the picture's centre, in front of everything.
    const float distance = 20.0f;
    camera->setUpVector(QVector3D(0, 1, 0));
    camera->setPosition(QVector3D(float(cx), float(cy), distance));
    camera->setViewCenter(QVector3D(float(cx), float(cy), 0));
    camera->lens()->setOrthographicProjection(float(-half_w), float(half_w), float(-half_h), float(half_h), 0.05f, 100.0f);
    aligned = true;
  }

  // The board stays behind the body whatever the pose (its depth does not change the orthographic view).
  void place_board() {
    if (!photo_transform) return;
    QVector3D t = photo_transform->translation();
    t.setZ(bounds.min().z() - kBoardGap);
    photo_transform->setTranslation(t);
  }

  void set_photo(const QImage& photo, double scale, QPointF shift) {
    if (photo_board) {
      photo_board->setParent(static_cast<Qt3DCore::QNode*>(nullptr));
      photo_board->deleteLater();
      photo_board = nullptr;
      photo_transform = nullptr;
    }
    front_after_alignment();
    if (photo.isNull() || !(scale > 0) || !std::isfinite(shift.x()) || !std::isfinite(shift.y())) return;
    photo_size = photo.size();
    photo_scale = scale;
    photo_shift = shift;
    QImage texture = photo.convertToFormat(QImage::Format_RGBA8888);
    if (std::max(texture.width(), texture.height()) > kMaxPhotoTexture)
      texture = texture.scaled(kMaxPhotoTexture, kMaxPhotoTexture, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    const float w = float(photo_size.width() / scale), h = float(photo_size.height() / scale);
    photo_board = new Qt3DCore::QEntity(root);
    auto* mesh = new Qt3DExtras::QPlaneMesh(photo_board);
    mesh->setWidth(w);
    mesh->setHeight(h);
    auto* tex = new Qt3DRender::QTexture2D(photo_board);
    tex->addTextureImage(new PhotoTexture(texture, tex));
    tex->setMinificationFilter(Qt3DRender::QAbstractTexture::Linear);
    tex->setMagnificationFilter(Qt3DRender::QAbstractTexture::Linear);
    auto* material = new Qt3DExtras::QTextureMaterial(photo_board);
    material->setTexture(tex);
    auto* transform = new Qt3DCore::QTransform(photo_board);
    // The plane lies in x-z facing +y; turned a quarter about x it faces +z (the camera), its far edge up.
    transform->setRotationX(90.0f);
    const float cx = float((photo_size.width() / 2 - shift.x()) / scale), cy = float((shift.y() - photo_size.height() / 2) / scale);
    transform->setTranslation(QVector3D(cx, cy, 0));
    photo_transform = transform;
    place_board();
    photo_board->addComponent(mesh);
    photo_board->addComponent(material);
    photo_board->addComponent(transform);
    photo_board->addComponent(scene_layer);
    align();
  }

  QPointF project(const Eigen::Vector3d& p) const {
    const QMatrix4x4 m = camera->projectionMatrix() * camera->viewMatrix();
    const QVector4D clip = m * QVector4D(qvec(p), 1.0f);
    if (clip.w() <= 0) return QPointF(-1e6, -1e6);
    const float x = clip.x() / clip.w(), y = clip.y() / clip.w();
    return QPointF((x * 0.5 + 0.5) * window->width(), (0.5 - y * 0.5) * window->height());
  }

  Eigen::Vector3d camera_axis(int row) const {
    const QMatrix4x4 v = camera->viewMatrix();
    return Eigen::Vector3d(v(row, 0), v(row, 1), v(row, 2)).normalized();
  }

  void rotate_drag(const QPointF& pos) {
    const QPointF d = pos - press;
    const int j = drag_joint;
    const Eigen::Matrix3d start = body::rotation_matrix(drag_start.rotations[j]);
    Eigen::Matrix3d local;
    if (axis == Axis::Free) {
      // Trackball in world space: horizontal drag turns about the screen's up axis, vertical about its right.
      const Eigen::Matrix3d world = Eigen::AngleAxisd(d.x() * kRadiansPerPixel, camera_axis(1)).toRotationMatrix() *
                                    Eigen::AngleAxisd(d.y() * kRadiansPerPixel, camera_axis(0)).toRotationMatrix();
      const int parent = body::kParents[j];
      const Eigen::Matrix3d g = parent >= 0 ? frames_at_start_parent : Eigen::Matrix3d::Identity();
      local = g.transpose() * world * g * start;
    } else {
      Eigen::Vector3d e = Eigen::Vector3d::Zero();
      e[axis == Axis::X ? 0 : axis == Axis::Y ? 1 : 2] = 1;
      local = start * Eigen::AngleAxisd((d.x() - d.y()) * kRadiansPerPixel, e).toRotationMatrix();
    }
    doc->preview(doc->with_joint(drag_start, j, body::axis_angle(local)));
  }
};

Viewport::Viewport(PoseDocument* doc, QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
  d_->doc = doc;
  d_->window = new Qt3DExtras::Qt3DWindow();
  auto* container = QWidget::createWindowContainer(d_->window, this);
  container->setMinimumSize(320, 240);
  container->setFocusPolicy(Qt::StrongFocus);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(container);

  using namespace Qt3DCore;
  using namespace Qt3DRender;
  d_->root = new QEntity();
  auto* scene_layer = new QLayer(d_->root);
  d_->scene_layer = scene_layer;
  auto* overlay_layer = new QLayer(d_->root);

  // Frame graph: the scene, then the joint handles over it (depth cleared in between, so handles inside
  // the body stay visible and clickable).
  d_->camera = d_->window->camera();
  d_->camera->lens()->setPerspectiveProjection(kFov, 16.0f / 10.0f, 0.05f, 100.0f);
  auto* surface = new QRenderSurfaceSelector();
  surface->setSurface(d_->window);
  auto* viewport = new QViewport(surface);
  auto* camera_selector = new QCameraSelector(viewport);
  camera_selector->setCamera(d_->camera);
  auto* clear = new QClearBuffers(camera_selector);
  clear->setBuffers(QClearBuffers::ColorDepthBuffer);
  clear->setClearColor(QColor(58, 61, 66));
  (new QLayerFilter(clear))->addLayer(scene_layer);
  auto* clear_depth = new QClearBuffers(camera_selector);
  clear_depth->setBuffers(QClearBuffers::DepthBuffer);
  (new QLayerFilter(clear_depth))->addLayer(overlay_layer);
  d_->window->setActiveFrameGraph(surface);

  // Soft lighting: a warm key light from the front-left-top and a cool fill from the back-right.
  auto add_light = [&](QVector3D direction, QColor colour, float intensity) {
    auto* e = new QEntity(d_->root);
    auto* light = new QDirectionalLight(e);
    light->setWorldDirection(direction);
    light->setColor(colour);
    light->setIntensity(intensity);
    e->addComponent(light);
    e->addComponent(scene_layer);
    e->addComponent(overlay_layer);
  };
  add_light(QVector3D(0.5f, -0.6f, -0.8f), QColor(255, 246, 235), 0.85f);
  add_light(QVector3D(-0.6f, -0.2f, 0.7f), QColor(200, 215, 255), 0.35f);
  add_light(QVector3D(0.0f, 0.8f, 0.2f), QColor(255, 255, 255), 0.15f);

  // Body: one geometry whose vertex buffer (interleaved position + normal) is rewritten on every pose change.
  auto* body = new QEntity(d_->root);
  auto* geometry = new QGeometry(body);
  d_->vertex_buffer = new QBuffer(geometry);
  d_->index_buffer = new QBuffer(geometry);
  d_->position = new QAttribute(geometry);
  d_->position->setName(QAttribute::defaultPositionAttributeName());
  d_->position->setVertexBaseType(QAttribute::Float);
  d_->position->setVertexSize(3);
  d_->position->setAttributeType(QAttribute::VertexAttribute);
  d_->position->setBuffer(d_->vertex_buffer);
  d_->position->setByteStride(6 * sizeof(float));
  d_->position->setByteOffset(0);
  d_->normal = new QAttribute(geometry);
  d_->normal->setName(QAttribute::defaultNormalAttributeName());
  d_->normal->setVertexBaseType(QAttribute::Float);
  d_->normal->setVertexSize(3);
  d_->normal->setAttributeType(QAttribute::VertexAttribute);
  d_->normal->setBuffer(d_->vertex_buffer);
  d_->normal->setByteStride(6 * sizeof(float));
  d_->normal->setByteOffset(3 * sizeof(float));
  d_->index = new QAttribute(geometry);
  d_->index->setAttributeType(QAttribute::IndexAttribute);
  d_->index->setVertexBaseType(QAttribute::UnsignedInt);
  d_->index->setBuffer(d_->index_buffer);
  geometry->addAttribute(d_->position);
  geometry->addAttribute(d_->normal);
  geometry->addAttribute(d_->index);
  auto* renderer = new QGeometryRenderer(body);
  renderer->setGeometry(geometry);
  renderer->setPrimitiveType(QGeometryRenderer::Triangles);
  auto* material = new Qt3DExtras::QDiffuseSpecularMaterial(body);
  material->setDiffuse(kBodyColour);
  material->setAmbient(QColor(78, 66, 54));
  material->setSpecular(QColor(22, 20, 18));
  material->setShininess(6.0f);
  body->addComponent(renderer);
  body->addComponent(material);
  body->addComponent(scene_layer);

  // Ground: a dark floor with a 25 cm grid on y = 0.
  auto* floor = new QEntity(d_->root);
  auto* plane = new Qt3DExtras::QPlaneMesh(floor);
  plane->setWidth(8);
  plane->setHeight(8);
  auto* floor_material = new Qt3DExtras::QPhongMaterial(floor);
  floor_material->setDiffuse(QColor(70, 73, 78));
  floor_material->setAmbient(QColor(40, 42, 46));
  floor_material->setSpecular(QColor(0, 0, 0));
  auto* floor_transform = new Qt3DCore::QTransform(floor);
  floor_transform->setTranslation(QVector3D(0, -0.002f, 0));
  floor->addComponent(plane);
  floor->addComponent(floor_material);
  floor->addComponent(floor_transform);
  floor->addComponent(scene_layer);
  {
    auto* grid = new QEntity(d_->root);
    auto* grid_geometry = new QGeometry(grid);
    QByteArray lines;
    const float half = 4.0f, step = 0.25f;
    for (float t = -half; t <= half + 1e-4f; t += step) {
      const float segments[12] = {t, 0, -half, t, 0, half, -half, 0, t, half, 0, t};
      lines.append(reinterpret_cast<const char*>(segments), sizeof(segments));
    }
    auto* grid_buffer = new QBuffer(grid_geometry);
    grid_buffer->setData(lines);
    auto* grid_position = new QAttribute(grid_buffer, QAttribute::defaultPositionAttributeName(), QAttribute::Float, 3,
                                         static_cast<uint>(lines.size() / (3 * sizeof(float))));
    grid_geometry->addAttribute(grid_position);
    auto* grid_renderer = new QGeometryRenderer(grid);
    grid_renderer->setGeometry(grid_geometry);
    grid_renderer->setPrimitiveType(QGeometryRenderer::Lines);
    auto* grid_material = new Qt3DExtras::QPhongMaterial(grid);
    grid_material->setAmbient(QColor(105, 110, 118));
    grid_material->setDiffuse(QColor(0, 0, 0));
    grid_material->setSpecular(QColor(0, 0, 0));
    grid->addComponent(grid_renderer);
    grid->addComponent(grid_material);
    grid->addComponent(scene_layer);
  }

  // Joint handles.
  auto* sphere = new Qt3DExtras::QSphereMesh(d_->root);
  sphere->setRadius(0.018f);
  sphere->setRings(12);
  sphere->setSlices(16);
  for (int j = 0; j < body::kNumJoints; ++j) {
    auto* e = new QEntity(d_->root);
    auto* t = new Qt3DCore::QTransform(e);
    auto* m = new Qt3DExtras::QPhongMaterial(e);
    m->setDiffuse(kHandleColour);
    m->setAmbient(QColor(90, 70, 20));
    e->addComponent(sphere);
    e->addComponent(t);
    e->addComponent(m);
    e->addComponent(overlay_layer);
    d_->handle_transforms.push_back(t);
    d_->handle_materials.push_back(m);
  }

  d_->window->setRootEntity(d_->root);
  d_->window->installEventFilter(this);

  d_->build_index_buffer();
  d_->update_mesh();
  set_view("three-quarter");
  connect(doc, &PoseDocument::poseChanged, this, [this] { d_->update_mesh(); });
  connect(doc, &PoseDocument::bodyChanged, this, [this] {
    d_->build_index_buffer();
    d_->update_mesh();
    fit_to_view();
  });
  connect(doc, &PoseDocument::selectionChanged, this, [this](int j) { d_->update_selection(j); });
}

Viewport::~Viewport() = default;

void Viewport::set_view(const QString& name) {
  if (name == "front") {
    d_->view_direction = QVector3D(0, 0.08f, 1);
    d_->view_up = QVector3D(0, 1, 0);
  } else if (name == "side") {
    d_->view_direction = QVector3D(1, 0.08f, 0);
    d_->view_up = QVector3D(0, 1, 0);
  } else if (name == "top") {
    d_->view_direction = QVector3D(0, 1, 0.0001f);
    d_->view_up = QVector3D(0, 0, -1);
  } else {
    d_->view_direction = QVector3D(0.75f, 0.3f, 1.0f);
    d_->view_up = QVector3D(0, 1, 0);
  }
  d_->fit();
}

void Viewport::fit_to_view() {
  if (d_->aligned) {
    d_->front_after_alignment();
    return;
  }
  d_->view_direction = (d_->camera->position() - d_->camera->viewCenter()).normalized();
  d_->view_up = d_->camera->upVector();
  d_->fit();
}

void Viewport::set_reference_photo(const QImage& photo, double scale, QPointF shift) { d_->set_photo(photo, scale, shift); }
bool Viewport::has_reference_photo() const { return d_->photo_board != nullptr; }
bool Viewport::align_to_photo() {
  if (!d_->photo_board) return false;
  d_->align();
  return true;
}
bool Viewport::aligned_to_photo() const { return d_->aligned; }

void Viewport::set_axis(Axis axis) { d_->axis = axis; }
Viewport::Axis Viewport::axis() const { return d_->axis; }
QWindow* Viewport::render_window() const { return d_->window; }
int Viewport::mesh_updates() const { return d_->updates; }

QPointF Viewport::joint_screen_position(int joint) const { return d_->project(d_->frames.positions.at(joint)); }

int Viewport::pick_joint(const QPointF& pos) const {
  int best = -1;
  double best_distance = kPickRadiusPx;
  for (int j = 0; j < body::kNumJoints; ++j) {
    const QPointF p = d_->project(d_->frames.positions[j]) - pos;
    const double dist = std::hypot(p.x(), p.y());
    if (dist < best_distance) {
      best_distance = dist;
      best = j;
    }
  }
  return best;
}

bool Viewport::eventFilter(QObject* watched, QEvent* event) {
  if (watched != d_->window) return QWidget::eventFilter(watched, event);
  auto& d = *d_;
  switch (event->type()) {
    case QEvent::MouseButtonPress: {
      auto* e = static_cast<QMouseEvent*>(event);
      d.press = d.last = e->position();
      if (e->button() == Qt::LeftButton && !(e->modifiers() & Qt::ShiftModifier)) {
        const int joint = pick_joint(e->position());
        if (joint >= 0) {
          d.doc->select_joint(joint);
          d.drag = Impl::Drag::Rotate;
          d.drag_joint = joint;
          d.drag_start = d.doc->pose();
          const int parent = body::kParents[joint];
          d.frames_at_start_parent = parent >= 0 ? d.frames.rotations[parent] : Eigen::Matrix3d::Identity();
        } else {
          d.drag = Impl::Drag::Orbit;
        }
      } else {
        d.drag = Impl::Drag::Pan;
      }
      return true;
    }
    case QEvent::MouseMove: {
      auto* e = static_cast<QMouseEvent*>(event);
      const QPointF delta = e->position() - d.last;
      d.last = e->position();
      if (d.drag == Impl::Drag::Rotate) {
        d.rotate_drag(e->position());
      } else if (d.drag == Impl::Drag::Orbit) {
        d.front_after_alignment();
        d.camera->panAboutViewCenter(float(-delta.x() * 0.3), QVector3D(0, 1, 0));
        // Tilt, but never over the poles (the view would flip).
        const QVector3D view = (d.camera->position() - d.camera->viewCenter()).normalized();
        const float elevation = std::asin(std::clamp(view.y(), -1.0f, 1.0f)) * 180.0f / float(M_PI);
        const float tilt = std::clamp(float(-delta.y() * 0.3), -85.0f - elevation, 85.0f - elevation);
        d.camera->tiltAboutViewCenter(-tilt);
        d.camera->setUpVector(QVector3D(0, 1, 0));
      } else if (d.drag == Impl::Drag::Pan) {
        d.front_after_alignment();
        const float k = (d.camera->position() - d.camera->viewCenter()).length() * 0.0015f;
        d.camera->translate(QVector3D(float(-delta.x()) * k, float(delta.y()) * k, 0), Qt3DRender::QCamera::TranslateViewCenter);
      }
      return true;
    }
    case QEvent::MouseButtonRelease: {
      if (d.drag == Impl::Drag::Rotate) {
        const QString name = QString(body::kJointNames[d.drag_joint]).replace('_', ' ');
        d.doc->commit_preview("Rotate " + name);
      }
      d.drag = Impl::Drag::None;
      return true;
    }
    case QEvent::Wheel: {
      auto* e = static_cast<QWheelEvent*>(event);
      const float notches = e->angleDelta().y() / 120.0f;
      const float factor = std::pow(0.85f, notches);
      d.front_after_alignment();
      const QVector3D c = d.camera->viewCenter();
      const QVector3D offset = (d.camera->position() - c) * factor;
      if (offset.length() > 0.2f && offset.length() < 40.0f) d.camera->setPosition(c + offset);
      return true;
    }
    case QEvent::Resize:
      if (d.aligned) d.align();  // the photo's frustum follows the window's shape
      return false;
    case QEvent::KeyPress: {
      auto* e = static_cast<QKeyEvent*>(event);
      if (e->key() == Qt::Key_Escape && d.drag == Impl::Drag::Rotate) {
        d.doc->cancel_preview();
        d.drag = Impl::Drag::None;
        return true;
      }
      return false;
    }
    default:
      return QWidget::eventFilter(watched, event);
  }
}

QString Viewport::view_angles() const {
  const QVector3D d = (d_->camera->position() - d_->camera->viewCenter()).normalized();
  const double pitch = std::asin(std::clamp(static_cast<double>(d.y()), -1.0, 1.0)) * 180.0 / M_PI;
  const double yaw = std::atan2(static_cast<double>(d.x()), static_cast<double>(d.z())) * 180.0 / M_PI;
  return QString("%1,%2").arg(yaw, 0, 'f', 1).arg(std::clamp(pitch, -89.0, 89.0), 0, 'f', 1);
}

}  // namespace unipose::ui
