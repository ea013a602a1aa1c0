from .badcase_analysis_hook import BadCaseAnalysisHook
from .checkpoint_hook import CheckpointHook
from .pose_visualization_hook import PoseVisualizationHook
from .random_state_checkpoint_hook import RandomStateCheckpointHook

__all__ = ['BadCaseAnalysisHook', 'CheckpointHook', 'PoseVisualizationHook', 'RandomStateCheckpointHook']
