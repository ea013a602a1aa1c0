from .badcase_analysis_hook import BadCaseAnalysisHook
from .checkpoint_hook import CheckpointHook
from .pipeline_switch_hook import PipelineSwitchHook
from .pose_visualization_hook import PoseVisualizationHook
from .progress_bar_hook import ProgressBarHook
from .random_state_checkpoint_hook import RandomStateCheckpointHook
from .training_data_record_hook import TrainingDataRecordHook, trained_on

__all__ = ['BadCaseAnalysisHook', 'CheckpointHook', 'PipelineSwitchHook', 'PoseVisualizationHook', 'ProgressBarHook',
           'RandomStateCheckpointHook', 'TrainingDataRecordHook', 'trained_on']
