from .dataset_browser import browse_dataset, draw_packed_sample
from .face_drawing import draw_faces, face_visualizer
from .pose_local_visualizer import PoseLocalVisualizer, contour_links, write_image_bgr
from .training_curves import load_scalar_log, plot_curves

__all__ = ['PoseLocalVisualizer', 'browse_dataset', 'contour_links', 'draw_faces', 'draw_packed_sample',
           'face_visualizer', 'load_scalar_log', 'plot_curves', 'write_image_bgr']
