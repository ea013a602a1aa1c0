from .dataset_browser import browse_dataset, draw_packed_sample
from .pose_local_visualizer import PoseLocalVisualizer, contour_links, write_image_bgr
from .training_curves import load_scalar_log, plot_curves

__all__ = ['PoseLocalVisualizer', 'browse_dataset', 'contour_links', 'draw_packed_sample',
           'load_scalar_log', 'plot_curves', 'write_image_bgr']
