"""政企销售学院: training course and quiz platform."""
